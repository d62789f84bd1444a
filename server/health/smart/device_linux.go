package smart

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DeviceOf returns the whole disk that holds the folder path, as "/dev/sda" for a folder
// on /dev/sda1: SMART speaks for a disk, not a partition. A file system on a single
// encrypted or LVM volume is followed down to its one disk. When the folder is on
// something that has no SMART of its own (a loop device, an LVM or RAID volume over
// several disks, tmpfs, overlay, a network share) the error wraps ErrNoSMART and says
// which, and the device, when there is one, is returned with it.
func DeviceOf(path string) (string, error) {
	return finder{sys: "/sys", mountinfo: "/proc/self/mountinfo"}.deviceOf(path)
}

// finder looks disks up in a sysfs tree; tests give it a fake one.
type finder struct {
	sys       string // the sysfs root
	mountinfo string // a /proc/<pid>/mountinfo file
}

// maxDepth bounds how many stacked volumes (LUKS on LVM on RAID…) are followed down.
const maxDepth = 8

func (f finder) deviceOf(path string) (string, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return "", fmt.Errorf("find the disk of %s: %w", path, &fs.PathError{Op: "stat", Path: path, Err: err})
	}
	return f.byNumber(path, unix.Major(uint64(st.Dev)), unix.Minor(uint64(st.Dev)))
}

// byNumber finds the disk of the file system with device number major:minor that holds
// path. Major 0 is an anonymous device: tmpfs, overlay, network shares, but also btrfs,
// which the mount table can name the disk of.
func (f finder) byNumber(path string, major, minor uint32) (string, error) {
	if major == 0 {
		return f.anonymous(path, minor)
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(f.sys, "dev", "block", fmt.Sprintf("%d:%d", major, minor)))
	if err != nil {
		return "", fmt.Errorf("find the disk of %s (device %d:%d): %w", path, major, minor, err)
	}
	return f.resolve(path, dir, 0)
}

// anonymous finds the disk of a file system with no block device number of its own.
func (f finder) anonymous(path string, minor uint32) (string, error) {
	m, err := mountOf(f.mountinfo, 0, minor)
	if err != nil {
		return "", fmt.Errorf("find the disk of %s: %w", path, err)
	}
	if networkFS(m.FSType) || !strings.HasPrefix(m.Source, "/dev/") {
		reason := fmt.Sprintf("a network or virtual file system (%s)", m.FSType)
		if m.FSType == "zfs" {
			reason = "a ZFS pool"
		}
		return "", fmt.Errorf("%s is on %s: %w", path, reason, ErrNoSMART)
	}
	name := filepath.Base(m.Source)
	if real, err := filepath.EvalSymlinks(m.Source); err == nil {
		name = filepath.Base(real) // /dev/mapper/x and /dev/disk/by-… are links
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(f.sys, "class", "block", name))
	if err != nil {
		return "", fmt.Errorf("find the disk of %s (%s on %s): %w", path, m.FSType, m.Source, err)
	}
	return f.resolve(path, dir, 0)
}

// resolve turns a block device's sysfs directory into its whole disk.
func (f finder) resolve(path, dir string, depth int) (string, error) {
	if isFile(filepath.Join(dir, "partition")) {
		dir = filepath.Dir(dir) // a partition's directory sits in its disk's
	}
	name := filepath.Base(dir)
	dev := "/dev/" + name
	switch {
	case strings.HasPrefix(name, "loop"):
		return dev, fmt.Errorf("%s is on a loop device (%s): %w", path, dev, ErrNoSMART)
	case strings.HasPrefix(name, "dm-") || strings.HasPrefix(name, "md"):
		slaves, err := os.ReadDir(filepath.Join(dir, "slaves"))
		if err == nil && len(slaves) == 1 && depth < maxDepth {
			// One device below (LUKS, a one-disk LVM): its disk is the one to ask.
			below, err := filepath.EvalSymlinks(filepath.Join(dir, "slaves", slaves[0].Name()))
			if err == nil {
				return f.resolve(path, below, depth+1)
			}
		}
		return dev, fmt.Errorf("%s is on an LVM or RAID volume (%s%s): %w", path, dev, over(slaves), ErrNoSMART)
	case strings.Contains(dir, "/devices/virtual/"):
		return dev, fmt.Errorf("%s is on a virtual block device (%s): %w", path, dev, ErrNoSMART)
	}
	return dev, nil
}

// over names the devices a volume is built over: " over sda1, sdb1".
func over(slaves []os.DirEntry) string {
	if len(slaves) == 0 {
		return ""
	}
	names := make([]string, len(slaves))
	for i, s := range slaves {
		names[i] = s.Name()
	}
	return " over " + strings.Join(names, ", ")
}

func isFile(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// networkFS tells whether a file system type is a network share: its disks, if any,
// are on another machine.
func networkFS(fstype string) bool {
	switch strings.TrimPrefix(fstype, "fuse.") {
	case "nfs", "nfs4", "cifs", "smb3", "smbfs", "sshfs", "9p", "ceph", "glusterfs", "davfs", "afs":
		return true
	}
	return false
}
