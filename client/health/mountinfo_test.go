package health

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

func TestFixedDisks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mountinfo string
		want      []string // mount points
	}{
		{
			name:      "container: / and a bind mount of it",
			mountinfo: testdata(t, "mountinfo/container.txt"),
			want:      []string{"/"},
		},
		{
			name:      "Ubuntu server: LVM root, /boot, snaps",
			mountinfo: testdata(t, "mountinfo/ubuntu-server.txt"),
			want:      []string{"/", "/boot"},
		},
		{
			name: "desktop: btrfs subvolumes, EFI, USB stick, NFS, read-only",
			mountinfo: `22 1 0:31 /root / rw,relatime shared:1 - btrfs /dev/nvme0n1p3 rw,seclabel,compress=zstd:1,subvol=/root
23 22 0:31 /home /home rw,relatime shared:2 - btrfs /dev/nvme0n1p3 rw,seclabel,compress=zstd:1,subvol=/home
24 22 259:1 / /boot/efi rw,relatime shared:3 - vfat /dev/nvme0n1p1 rw,fmask=0077,dmask=0077
25 22 8:17 / /run/media/anna/My\040Stick rw,nosuid,nodev,relatime shared:4 - exfat /dev/sdb1 rw
26 22 0:50 / /mnt/share rw,relatime shared:5 - nfs4 10.0.0.9:/export rw,vers=4.2
27 22 8:33 / /mnt/old rw,relatime shared:6 - ext4 /dev/sdc1 rw
28 22 8:33 / /backup ro,relatime shared:7 - ext4 /dev/sdc1 ro
29 22 11:0 / /media/cdrom ro,nosuid,nodev,relatime shared:8 - iso9660 /dev/sr0 ro
30 22 8:49 / /data rw,relatime shared:9 - ext4 /dev/sdd1 rw,errors=remount-ro
31 22 252:0 / /tmp/z rw,relatime shared:10 - ext4 /dev/zram1 rw
not a mountinfo line`,
			want: []string{"/", "/boot/efi", "/mnt/old", "/data"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			mounts, _ := mountinfo.Parse(strings.NewReader(tc.mountinfo))
			for _, m := range fixedDisks(mounts) {
				got = append(got, m.Point)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("fixed disks (-want +got):\n%s", diff)
			}
		})
	}
}
