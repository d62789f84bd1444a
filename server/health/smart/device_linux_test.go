package smart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

// Where the kernel puts block devices in sysfs, as recorded on real machines: a SATA
// disk, two disks behind USB bridges, an NVMe drive, this VM's virtio disk, and the
// virtual devices stacked on them.
const (
	sataDisk = "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda"
	usbDisk1 = "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host4/target4:0:0/4:0:0:0/block/sdb"
	usbDisk2 = "devices/pci0000:00/0000:00:14.0/usb2/2-2/2-2:1.0/host5/target5:0:0/5:0:0:0/block/sdc"
	nvmeDisk = "devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0/nvme0n1"
	vmDisk   = "devices/pci0000:00/0000:00:02.0/virtio1/block/vda"
	virtual  = "devices/virtual/block"
)

// sysNode is one entry of a fake sysfs tree: a file with data, or a symlink to another
// entry (link, relative to the sysfs root).
type sysNode struct {
	path, data, link string
}

var sysTree = []sysNode{
	{path: sataDisk + "/dev", data: "8:0"},
	{path: sataDisk + "/sda1/partition", data: "1"},
	{path: sataDisk + "/sda2/partition", data: "2"},
	{path: usbDisk1 + "/sdb1/partition", data: "1"},
	{path: usbDisk1 + "/sdb2/partition", data: "2"},
	{path: usbDisk2 + "/sdc1/partition", data: "1"},
	{path: usbDisk2 + "/sdc2/partition", data: "2"},
	{path: nvmeDisk + "/nvme0n1p2/partition", data: "2"},
	{path: vmDisk + "/dev", data: "254:0"},
	{path: virtual + "/loop0/loop/backing_file", data: "/var/lib/images/disk.img"},
	{path: virtual + "/zram0/dev", data: "252:0"},
	// dm-0: LUKS on one partition. dm-1: LVM over two disks. dm-2: LVM on md0, a
	// RAID 1 of two disks.
	{path: virtual + "/dm-0/slaves/sda2", link: sataDisk + "/sda2"},
	{path: virtual + "/dm-1/slaves/sdb1", link: usbDisk1 + "/sdb1"},
	{path: virtual + "/dm-1/slaves/sdc1", link: usbDisk2 + "/sdc1"},
	{path: virtual + "/dm-2/slaves/md0", link: virtual + "/md0"},
	{path: virtual + "/md0/slaves/sdb2", link: usbDisk1 + "/sdb2"},
	{path: virtual + "/md0/slaves/sdc2", link: usbDisk2 + "/sdc2"},
	{path: "dev/block/8:0", link: sataDisk},
	{path: "dev/block/8:1", link: sataDisk + "/sda1"},
	{path: "dev/block/8:17", link: usbDisk1 + "/sdb1"},
	{path: "dev/block/259:2", link: nvmeDisk + "/nvme0n1p2"},
	{path: "dev/block/254:0", link: vmDisk},
	{path: "dev/block/7:0", link: virtual + "/loop0"},
	{path: "dev/block/252:0", link: virtual + "/zram0"},
	{path: "dev/block/253:0", link: virtual + "/dm-0"},
	{path: "dev/block/253:1", link: virtual + "/dm-1"},
	{path: "dev/block/253:2", link: virtual + "/dm-2"},
	{path: "dev/block/9:0", link: virtual + "/md0"},
	{path: "class/block/sdb1", link: usbDisk1 + "/sdb1"},
}

// The mounts of anonymous devices (major 0), as /proc/self/mountinfo shows them.
const fakeMountinfo = `22 26 0:21 / /sys rw,relatime - sysfs sysfs rw
26 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 26 0:45 / /srv/pool\040disk rw,relatime shared:2 master:1 - btrfs /dev/sdb1 rw,subvol=/data
41 26 0:30 / /tmp rw,nosuid - tmpfs tmpfs rw
42 26 0:50 / /mnt/nas rw - nfs4 nas:/export rw,vers=4.2
43 26 0:60 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw
44 26 0:70 / /tank rw - zfs tank/data rw
45 26 0:80 / /mnt/remote rw - fuse.sshfs me@host:/ rw
`

func fakeSys(t *testing.T) finder {
	t.Helper()
	root := t.TempDir()
	for _, n := range sysTree {
		p := filepath.Join(root, n.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if n.link == "" {
			if err := os.WriteFile(p, []byte(n.data+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// Relative, as the kernel writes them.
		rel, err := filepath.Rel(filepath.Dir(p), filepath.Join(root, n.link))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(root, n.link), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(rel, p); err != nil {
			t.Fatal(err)
		}
	}
	mi := filepath.Join(t.TempDir(), "mountinfo")
	if err := os.WriteFile(mi, []byte(fakeMountinfo), 0o644); err != nil {
		t.Fatal(err)
	}
	return finder{sys: root, mountinfo: mi}
}

func TestDeviceOfRecordedLayout(t *testing.T) {
	f := fakeSys(t)
	tests := []struct {
		name         string
		major, minor uint32
		want         string
		wantErr      error  // errors.Is; nil for none
		wantText     string // in the error
	}{
		{"partition of a SATA disk", 8, 1, "/dev/sda", nil, ""},
		{"whole SATA disk", 8, 0, "/dev/sda", nil, ""},
		{"partition of a USB disk", 8, 17, "/dev/sdb", nil, ""},
		{"NVMe partition", 259, 2, "/dev/nvme0n1", nil, ""},
		{"virtio disk", 254, 0, "/dev/vda", nil, ""},
		{"LUKS on one partition", 253, 0, "/dev/sda", nil, ""},
		{"loop device", 7, 0, "/dev/loop0", ErrNoSMART, "/srv/d is on a loop device (/dev/loop0)"},
		{"LVM over two disks", 253, 1, "/dev/dm-1", ErrNoSMART, "an LVM or RAID volume (/dev/dm-1 over sdb1, sdc1)"},
		{"LVM on RAID 1", 253, 2, "/dev/md0", ErrNoSMART, "an LVM or RAID volume (/dev/md0 over sdb2, sdc2)"},
		{"RAID 1", 9, 0, "/dev/md0", ErrNoSMART, "/dev/md0 over sdb2, sdc2"},
		{"zram", 252, 0, "/dev/zram0", ErrNoSMART, "a virtual block device (/dev/zram0)"},
		{"btrfs on a partition", 0, 45, "/dev/sdb", nil, ""},
		{"tmpfs", 0, 30, "", ErrNoSMART, "a network or virtual file system (tmpfs)"},
		{"NFS", 0, 50, "", ErrNoSMART, "(nfs4)"},
		{"overlay", 0, 60, "", ErrNoSMART, "(overlay)"},
		{"ZFS", 0, 70, "", ErrNoSMART, "a ZFS pool"},
		{"sshfs", 0, 80, "", ErrNoSMART, "(fuse.sshfs)"},
		{"anonymous device with no mount", 0, 99, "", nil, "no mount"},
		{"block device missing from sysfs", 8, 99, "", fs.ErrNotExist, "8:99"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.byNumber("/srv/d", tc.major, tc.minor)
			if got != tc.want {
				t.Errorf("device = %q, want %q", got, tc.want)
			}
			switch {
			case tc.wantErr == nil && tc.wantText == "":
				if err != nil {
					t.Errorf("error = %v, want none", err)
				}
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr),
				err == nil || !strings.Contains(err.Error(), tc.wantText):
				t.Errorf("error = %v, want one wrapping %v that says %q", err, tc.wantErr, tc.wantText)
			case tc.wantErr == nil && errors.Is(err, ErrNoSMART):
				t.Errorf("error = %v: a lookup failure is not ErrNoSMART", err)
			}
		})
	}
}

// TestDeviceOfThisMachine finds the disk under a temp dir of the machine running the
// test, whatever it is, and checks the answer against the mount table.
func TestDeviceOfThisMachine(t *testing.T) {
	dir := t.TempDir()
	m := mountUnder(t, dir)
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%d:%d", unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev))); got != m.dev {
		t.Fatalf("the temp dir is on device %s, but mountinfo says its mount %s is on %s", got, m.point, m.dev)
	}
	dev, err := DeviceOf(dir)
	t.Logf("%s is on %s (%s %s): DeviceOf = %q, %v", dir, m.point, m.fstype, m.source, dev, err)
	switch {
	case errors.Is(err, ErrNoSMART):
		// Only something with no disk of its own: an anonymous device, or a virtual one.
		name := filepath.Base(dev)
		virtualDev := strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "dm-") ||
			strings.HasPrefix(name, "md") || strings.HasPrefix(name, "zram")
		if !strings.HasPrefix(m.dev, "0:") && !virtualDev {
			t.Errorf("DeviceOf says %v, but the mount is on block device %s (%s)", err, m.dev, dev)
		}
	case err != nil:
		t.Fatalf("DeviceOf(%s): %v", dir, err)
	default:
		fi, err := os.Stat(dev)
		if err != nil || fi.Mode()&fs.ModeDevice == 0 {
			t.Fatalf("DeviceOf = %q, which is not a device here: %v", dev, err)
		}
		if !holds(t, filepath.Base(dev), m.dev) {
			t.Errorf("DeviceOf = %q, but neither it nor a partition of it is device %s of the mount", dev, m.dev)
		}
	}
}

// holds tells whether disk, or one of its partitions, has device number dev in sysfs.
func holds(t *testing.T, disk, dev string) bool {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join("/sys/class/block", disk, disk+"*"))
	dirs = append(dirs, filepath.Join("/sys/class/block", disk))
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join(d, "dev")); err == nil && strings.TrimSpace(string(b)) == dev {
			return true
		}
	}
	return false
}

type testMount struct {
	point, dev, fstype, source string
}

// mountUnder reads /proc/self/mountinfo for the mount that holds dir: the longest mount
// point that is a prefix of it, the last one listed when one is mounted over another.
func mountUnder(t *testing.T, dir string) testMount {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	var best testMount
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		sep := strings.Index(line, " - ")
		if len(f) < 5 || sep < 0 {
			continue
		}
		after := strings.Fields(line[sep+3:])
		point := mountinfo.Unescape(f[4])
		inside := point == "/" || real == point || strings.HasPrefix(real, point+"/")
		if inside && len(point) >= len(best.point) && len(after) >= 2 {
			best = testMount{point: point, dev: f[2], fstype: after[0], source: mountinfo.Unescape(after[1])}
		}
	}
	if best.point == "" {
		t.Fatalf("no mount in /proc/self/mountinfo holds %s", real)
	}
	return best
}

// /proc is a virtual file system on every Linux machine.
func TestDeviceOfProc(t *testing.T) {
	dev, err := DeviceOf("/proc/self")
	if !errors.Is(err, ErrNoSMART) || !strings.Contains(err.Error(), "(proc)") {
		t.Fatalf("DeviceOf(/proc/self) = %q, %v; want ErrNoSMART naming proc", dev, err)
	}
}
