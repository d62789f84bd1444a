package disks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

// A made-up machine: its mount table (in mountinfo's own format) and its sysfs, in
// temporary folders. Mount points that can be offered are real temporary folders.
func TestScan(t *testing.T) {
	dir := t.TempDir()
	point := func(name string) string {
		p := filepath.Join(dir, "mnt", name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data, ro, other, ours, locked := point("data"), point("cdrom-like"), point("other"), point("ours"), point("locked")
	os.MkdirAll(filepath.Join(other, ".hearth"), 0o755)
	os.WriteFile(filepath.Join(other, ".hearth", "drive.json"), []byte(`{"format":1,"pool_id":"p2","drive_id":"d"}`), 0o644)
	table := strings.Join([]string{
		"1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw",
		"2 1 8:2 / /boot/efi rw - vfat /dev/sda2 rw",
		"3 1 0:20 / /proc rw - proc proc rw",
		"4 1 0:21 / /tmp rw - tmpfs tmpfs rw",
		"5 1 7:0 / /snap/core/1 ro - squashfs /dev/loop0 ro",
		"6 1 8:17 / " + data + " rw - ext4 /dev/sdb1 rw",
		"7 1 8:33 / " + ro + " ro - ext4 /dev/sdc1 ro",
		"8 1 8:49 / " + other + " rw - xfs /dev/sdd1 rw",
		"9 1 8:65 / " + ours + " rw - ext4 /dev/sde1 rw",
		"10 1 8:81 / " + locked + " rw - exfat /dev/sdf1 rw",
		"11 1 8:17 /sub /srv/bound rw - ext4 /dev/sdb1 rw",
		"12 1 0:50 / /mnt/nas rw - nfs4 nas:/export rw",
	}, "\n")
	mounts, err := mountinfo.Parse(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}

	sys := filepath.Join(dir, "sys")
	dev := func(path, devno, size string) {
		os.MkdirAll(path, 0o755)
		os.WriteFile(filepath.Join(path, "dev"), []byte(devno+"\n"), 0o644)
		os.WriteFile(filepath.Join(path, "size"), []byte(size+"\n"), 0o644)
	}
	part := func(disk, name, devno, size string) {
		p := filepath.Join(sys, "block", disk, name)
		dev(p, devno, size)
		os.WriteFile(filepath.Join(p, "partition"), []byte("1\n"), 0o644)
	}
	dev(filepath.Join(sys, "block", "sda"), "8:0", "1000000")
	part("sda", "sda1", "8:1", "900000")
	part("sda", "sda2", "8:2", "1000")
	part("sda", "sda3", "8:3", "8000") // swap: not in the mount table, but the disk is the system's
	dev(filepath.Join(sys, "block", "sdb"), "8:16", "2000")
	part("sdb", "sdb1", "8:17", "2000")
	dev(filepath.Join(sys, "block", "sdg"), "8:96", "4194304") // a new disk, never formatted
	os.MkdirAll(filepath.Join(sys, "block", "sdg", "device"), 0o755)
	os.WriteFile(filepath.Join(sys, "block", "sdg", "device", "model"), []byte("WD Red   \n"), 0o644)
	os.WriteFile(filepath.Join(sys, "block", "sdg", "removable"), []byte("0\n"), 0o644)
	dev(filepath.Join(sys, "block", "sdh"), "8:112", "2048") // a stick with one partition
	part("sdh", "sdh1", "8:113", "2000")
	dev(filepath.Join(sys, "block", "sdi"), "8:128", "4096") // under RAID
	os.MkdirAll(filepath.Join(sys, "block", "sdi", "holders", "md0"), 0o755)
	dev(filepath.Join(sys, "block", "loop3"), "7:3", "100")
	dev(filepath.Join(sys, "block", "sr0"), "11:0", "0")

	c, err := Scan(Options{
		Mounts: mounts, SysRoot: sys, PoolDrives: []string{filepath.Join(ours, "hearth")},
		Space:    func(string) (uint64, uint64, error) { return 1000, 400, nil },
		Writable: func(p string) bool { return p != locked },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Mount{}
	for _, m := range c.Mounts {
		got[m.Path] = m
	}
	for _, w := range []struct {
		path    string
		offered bool
		reason  string
	}{
		{data, true, ""},
		{ro, false, "read-only"},
		{other, false, "another Hearth server"},
		{locked, false, "not allowed to write"},
	} {
		m, ok := got[w.path]
		if !ok {
			t.Errorf("%s is not listed", w.path)
			continue
		}
		if m.Offered != w.offered || !strings.Contains(m.Reason, w.reason) {
			t.Errorf("%s: offered %v (%q), want %v (%q)", w.path, m.Offered, m.Reason, w.offered, w.reason)
		}
		delete(got, w.path)
	}
	for p := range got {
		t.Errorf("%s is listed; it is the system's, virtual, a network share, bound, or the pool's own", p)
	}
	if m := c.Mounts[0]; m.Device != "/dev/sdb1" || m.FSType != "ext4" || m.Size != 1000 || m.Free != 400 {
		t.Errorf("first mount %+v, want /dev/sdb1 ext4 of 1000 bytes, 400 free", m)
	}

	var devs []string
	for _, d := range c.Disks {
		devs = append(devs, d.Device)
		if d.Reason == "" {
			t.Errorf("%s has no reason it is not offered", d.Device)
		}
	}
	if strings.Join(devs, " ") != "/dev/sdg /dev/sdh1" {
		t.Errorf("unused disks %v, want /dev/sdg and /dev/sdh1", devs)
	}
	if d := c.Disks[0]; d.Size != 4194304*512 || d.Model != "WD Red" {
		t.Errorf("the new disk: %+v", d)
	}
}

// Without sysfs (a container), the mounts are still listed and no disk is.
func TestScanWithoutSys(t *testing.T) {
	c, err := Scan(Options{SysRoot: filepath.Join(t.TempDir(), "none")})
	if err != nil || len(c.Disks) != 0 {
		t.Errorf("Scan without sysfs: %+v, %v", c, err)
	}
}
