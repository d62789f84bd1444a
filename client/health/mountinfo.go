package health

import (
	"bufio"
	"io"
	"slices"
	"strconv"
	"strings"
)

// mount is one line of /proc/self/mountinfo (see proc(5)).
type mount struct {
	Dev      string // "major:minor"
	Root     string // the directory of the file system mounted here ("/" unless a bind mount)
	Point    string // where it is mounted
	ReadOnly bool   // mounted read-only
	FSType   string
	Source   string // "/dev/sda1", "tmpfs", "server:/export"
}

// parseMountinfo reads mountinfo lines, skipping any it cannot make sense of.
func parseMountinfo(r io.Reader) []mount {
	var mounts []mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if m, ok := parseMountLine(sc.Text()); ok {
			mounts = append(mounts, m)
		}
	}
	return mounts
}

// parseMountLine reads "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
// six fields, optional fields, a lone "-", then type, source and super options.
func parseMountLine(line string) (mount, bool) {
	before, after, ok := strings.Cut(line, " - ")
	if !ok {
		return mount{}, false
	}
	f, g := strings.Fields(before), strings.Fields(after)
	if len(f) < 6 || len(g) < 2 {
		return mount{}, false
	}
	return mount{
		Dev:      f[2],
		Root:     unescapeMount(f[3]),
		Point:    unescapeMount(f[4]),
		ReadOnly: slices.Contains(strings.Split(f[5], ","), "ro"),
		FSType:   g[0],
		Source:   unescapeMount(g[1]),
	}, true
}

// unescapeMount undoes the octal escapes the kernel writes for space, tab, newline and
// backslash ("/mnt/My\040Disk").
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

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
