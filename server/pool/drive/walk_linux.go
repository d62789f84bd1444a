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
	var root unix.Stat_t
	if err := fstat(dirfd, &root); err != nil {
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
		fd, err := openStep(cur, p, unix.O_PATH, 0, root.Dev)
		if err != nil {
			return -1, err
		}
		closeCur()
		cur = fd
	}
	return openStep(cur, parts[len(parts)-1], flags, mode, root.Dev)
}

// openStep opens one element name in the folder dirfd, on the device dev, not following
// a link: O_NOFOLLOW refuses one with ELOOP, but for O_PATH, which opens the link itself.
func openStep(dirfd int, name string, flags int, mode uint32, dev uint64) (int, error) {
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
	switch err := fstat(fd, &st); {
	case err != nil:
		unix.Close(fd)
		return -1, err
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		unix.Close(fd)
		return -1, unix.ELOOP
	case st.Dev != dev:
		unix.Close(fd)
		return -1, unix.EXDEV
	}
	return fd, nil
}

func fstat(fd int, st *unix.Stat_t) error {
	for {
		if err := unix.Fstat(fd, st); err != unix.EINTR {
			return err
		}
	}
}
