package drive

import (
	"strings"

	"golang.org/x/sys/unix"
)

// openatWalk is openat for where openat2 is missing: it opens rel one element at a time,
// each relative to the folder opened before and never following a symbolic link, and
// refuses what RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS and RESOLVE_NO_XDEV would: "..", an
// absolute path, a link anywhere on the way, a step onto another mount.
func openatWalk(dirfd int, rel string, flags int, mode uint32) (int, error) {
	if strings.HasPrefix(rel, "/") {
		return -1, unix.EXDEV
	}
	root, _, err := mountOf(dirfd)
	if err != nil {
		return -1, err
	}
	var parts []string
	for _, p := range strings.Split(rel, "/") {
		switch p {
		case "", ".":
			continue
		case "..":
			return -1, unix.EXDEV
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		parts = []string{"."}
	}
	cur := dirfd
	closeCur := func() {
		if cur != dirfd {
			unix.Close(cur)
		}
	}
	defer closeCur()
	for _, p := range parts[:len(parts)-1] {
		fd, err := openStep(cur, p, unix.O_PATH, 0, root)
		if err != nil {
			return -1, err
		}
		closeCur()
		cur = fd
	}
	return openStep(cur, parts[len(parts)-1], flags, mode, root)
}

// mount names the mount a file is on: its mount ID (Linux 5.8 and later), which also
// tells a bind mount of the same disk apart, as RESOLVE_NO_XDEV does; or, on older
// kernels, only its device.
type mount struct {
	id, dev uint64
	hasID   bool
}

// mountOf names the mount fd is on, and says whether fd is a link (only O_PATH opens
// one): one statx for both.
func mountOf(fd int) (m mount, link bool, err error) {
	var stx unix.Statx_t
	for {
		err = unix.Statx(fd, "", unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE|unix.STATX_MNT_ID, &stx)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return mount{}, false, err
	}
	m = mount{id: stx.Mnt_id, dev: unix.Mkdev(stx.Dev_major, stx.Dev_minor), hasID: stx.Mask&unix.STATX_MNT_ID != 0}
	return m, stx.Mode&unix.S_IFMT == unix.S_IFLNK, nil
}

// differs says whether m is another mount than the drive's root r.
func (m mount) differs(r mount) bool {
	if m.hasID && r.hasID {
		return m.id != r.id
	}
	return m.dev != r.dev
}

// openStep opens one element name in the folder dirfd, on the drive's mount root, not
// following a link: O_NOFOLLOW refuses one with ELOOP, but for O_PATH, which opens the
// link itself.
func openStep(dirfd int, name string, flags int, mode uint32, root mount) (int, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Openat(dirfd, name, flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		if err != unix.EINTR {
			break
		}
	}
	var st unix.Stat_t
	if err == unix.ENOTDIR && flags&unix.O_DIRECTORY != 0 &&
		unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return -1, unix.ELOOP // O_DIRECTORY met the link first
	}
	if err != nil {
		return -1, err
	}
	m, link, err := mountOf(fd)
	switch {
	case err != nil:
	case link:
		err = unix.ELOOP
	case m.differs(root):
		err = unix.EXDEV
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}
