// Package disks finds what could join the pool: the mounted file systems that are not the
// system's own nor already a drive, and the disks with nothing mounted (which Hearth does
// not format, so they are only shown). It reads the mount table and /sys it is given, so
// a test shows it its own.
package disks

import (
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/mountinfo"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// Candidates are what Scan found.
type Candidates struct {
	// Mounts are the mounted file systems that could be drives; Offered says which can
	// be added now, Reason why another cannot.
	Mounts []Mount
	// Disks are the disks and partitions with nothing mounted from them: they may be
	// empty or need formatting, which Hearth leaves to the person. Never offered.
	Disks []Disk
}

// Mount is a mounted file system that could join the pool.
type Mount struct {
	Path   string // the mount point, the folder to add
	Device string // "/dev/sdb1"
	FSType string
	Size   uint64
	Free   uint64
	// Offered: it can be added as a drive now. Otherwise Reason says why not, in words.
	Offered bool
	Reason  string `json:",omitempty"`
}

// Options say what to look at.
type Options struct {
	// Mounts is the mount table (mountinfo.Read in the server; a test's own in tests).
	Mounts []mountinfo.Mount
	// SysRoot is where sysfs is ("/sys"); "" looks at no disks.
	SysRoot string
	// PoolDrives are the folders of this pool's drives: their file systems are in use.
	PoolDrives []string
	// Space reads a mount point's size and free bytes; nil uses statfs.
	Space func(path string) (size, free uint64, err error)
	// Writable says whether the server may write in a folder; nil asks the kernel.
	Writable func(path string) bool
}

// Errors are not returned for a single mount that cannot be read: it is listed with
// a Reason, so the person sees it.

// Scan lists the candidates.
func Scan(opt Options) (Candidates, error) {
	if opt.Space == nil {
		opt.Space = statfs
	}
	if opt.Writable == nil {
		opt.Writable = func(path string) bool { return unix.Access(path, unix.W_OK) == nil }
	}
	var c Candidates
	for _, m := range opt.Mounts {
		if !dataFileSystem(m) || systemPoint(m.Point) || m.Root != "/" {
			continue // the system's own, virtual, or a folder bound elsewhere: never a drive
		}
		if inUse(m.Point, opt.PoolDrives) {
			continue
		}
		if slices.ContainsFunc(c.Mounts, func(o Mount) bool { return o.Device == m.Source && o.Path == m.Point }) {
			continue
		}
		c.Mounts = append(c.Mounts, judge(m, opt))
	}
	if opt.SysRoot != "" {
		disks, err := unusedDisks(opt.SysRoot, opt.Mounts)
		if err != nil {
			return c, err
		}
		c.Disks = disks
	}
	return c, nil
}

func judge(m mountinfo.Mount, opt Options) Mount {
	out := Mount{Path: m.Point, Device: m.Source, FSType: m.FSType}
	size, free, err := opt.Space(m.Point)
	out.Size, out.Free = size, free
	switch {
	case err != nil:
		out.Reason = "The server cannot read this disk's size; it may be failing or not ready."
	case drive.HasMarker(m.Point):
		out.Reason = "It is a drive of another Hearth server's pool; bring that pool here with 'pool rebuild', or wipe the disk first."
	case m.ReadOnly:
		out.Reason = "It is mounted read-only."
	case !opt.Writable(m.Point):
		out.Reason = "The server is not allowed to write there."
	default:
		out.Offered = true
	}
	return out
}

// dataFileSystem: a file system on a disk (its source is a device), not a virtual one, a
// network share, or read-only media.
func dataFileSystem(m mountinfo.Mount) bool {
	if !strings.HasPrefix(m.Source, "/dev/") || strings.HasPrefix(m.Source, "/dev/loop") {
		return false // loop devices are images (snaps, ISOs), not disks
	}
	switch m.FSType {
	case "squashfs", "iso9660", "udf", "overlay", "erofs":
		return false
	}
	return true
}

// systemPoint: the system's own mount points. Disks a person plugs in are mounted under
// /mnt, /media, /srv or /run/media (the desktop's automounter), or elsewhere of their
// choosing (/tmp too: a tmpfs there is not a disk, and tests mount there); never over the
// system's folders.
func systemPoint(p string) bool {
	if p == "/" {
		return true
	}
	if under(p, "/run/media") {
		return false
	}
	for _, sys := range []string{"/boot", "/efi", "/usr", "/var", "/etc", "/opt", "/home", "/root",
		"/snap", "/proc", "/sys", "/dev", "/run", "/nix", "/gnu"} {
		if under(p, sys) {
			return true
		}
	}
	return false
}

func under(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// inUse: a drive of this pool is this mount point or a folder in it.
func inUse(point string, drives []string) bool {
	for _, d := range drives {
		d = filepath.Clean(d)
		if under(d, point) {
			return true
		}
	}
	return false
}

func statfs(path string) (size, free uint64, err error) {
	var s unix.Statfs_t
	if err := unix.Statfs(path, &s); err != nil {
		return 0, 0, err
	}
	return s.Blocks * uint64(s.Bsize), s.Bavail * uint64(s.Bsize), nil
}
