package health

import (
	"strings"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

type mount = mountinfo.Mount

// isImageFS says whether a file system on a block device is still no fixed disk of this
// PC: an image or an optical disc, read-only by nature.
func isImageFS(fstype string) bool {
	switch fstype {
	case "squashfs", "iso9660", "udf", "erofs":
		return true
	}
	return false
}

// fixedDisks picks the mounts that are this PC's own disks: a block device (which leaves
// out tmpfs, proc, overlay and network shares, whose source is no /dev path), not a loop
// device (snaps), not an image or optical disc, not read-only, and not under /media or
// /run/media, where desktops mount USB sticks and cameras. A device mounted more than once
// (bind mounts, btrfs subvolumes) is one disk, named by its shortest mount point.
func fixedDisks(mounts []mount) []mount {
	byDev := map[string]mount{}
	var order []string
	for _, m := range mounts {
		if !isFixedDisk(m) {
			continue
		}
		prev, seen := byDev[m.Dev]
		if !seen {
			order = append(order, m.Dev)
		}
		if !seen || len(m.Point) < len(prev.Point) || (len(m.Point) == len(prev.Point) && m.Point < prev.Point) {
			byDev[m.Dev] = m
		}
	}
	disks := make([]mount, 0, len(order))
	for _, dev := range order {
		disks = append(disks, byDev[dev])
	}
	return disks
}

func isFixedDisk(m mount) bool {
	switch {
	case !strings.HasPrefix(m.Source, "/dev/"),
		strings.HasPrefix(m.Source, "/dev/loop"),
		strings.HasPrefix(m.Source, "/dev/zram"),
		isImageFS(m.FSType),
		m.ReadOnly,
		underDir(m.Point, "/media"), underDir(m.Point, "/run/media"):
		return false
	}
	return true
}

func underDir(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}
