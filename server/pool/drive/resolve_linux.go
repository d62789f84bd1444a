package drive

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// resolveFlags keep every lookup inside the drive: no "..", no symbolic link anywhere in
// the path, no crossing into another mount.
const resolveFlags = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS |
	unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// openat opens rel below dirfd without ever leaving it.
func openat(dirfd int, rel string, flags int, mode uint32) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Mode: uint64(mode), Resolve: resolveFlags}
	for {
		fd, err := unix.Openat2(dirfd, rel, &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue // EAGAIN: a concurrent rename raced the lookup; the kernel asks to retry
		}
		if err == unix.ENOSYS {
			// Kernels before 5.6, and sandboxes: systemd's RestrictSUIDSGID= (in
			// hearthd.service) answers ENOSYS because it cannot inspect openat2's mode.
			fd, err = openatWalk(dirfd, rel, flags, mode)
		}
		if err != nil {
			return -1, pathErr("open", rel, err)
		}
		return fd, nil
	}
}

// pathErr wraps a system error with the operation and path, and turns the resolver's
// refusals into ErrUnsafe so callers can tell an attack (or a stray link) from a failure.
func pathErr(op, rel string, err error) error {
	if err == nil {
		return nil
	}
	switch err {
	case unix.ELOOP, unix.EXDEV:
		return fmt.Errorf("%s %s: %w: a symbolic link or another disk is in the way (%v)", op, rel, ErrUnsafe, err)
	}
	return &os.PathError{Op: op, Path: rel, Err: err}
}

// dirFD is an open folder on the drive.
type dirFD int

func (d dirFD) close() { unix.Close(int(d)) }

// sync makes the folder's entries durable.
func (d dirFD) sync(rel string) error {
	for {
		err := unix.Fsync(int(d))
		if err == unix.EINTR {
			continue
		}
		return pathErr("sync", rel, err)
	}
}

// openDir opens the folder rel below dirfd ("" or "." for dirfd itself).
func openDir(dirfd int, rel string) (dirFD, error) {
	if rel == "" {
		rel = "."
	}
	fd, err := openat(dirfd, rel, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	return dirFD(fd), err
}

// openParent opens the folder that holds rel and returns it with rel's last element.
func openParent(dirfd int, rel string) (dirFD, string, error) {
	dir, base := path.Split(rel)
	fd, err := openDir(dirfd, strings.TrimSuffix(dir, "/"))
	return fd, base, err
}

// mkdirAll makes rel and its missing parents below dirfd, for the drive's own areas where
// folders carry no metadata.
func mkdirAll(dirfd int, rel string) error {
	if rel == "" || rel == "." {
		return nil
	}
	fd, err := openat(dirfd, rel, unix.O_PATH|unix.O_DIRECTORY, 0)
	if err == nil {
		unix.Close(fd)
		return nil
	}
	if !errors.Is(err, unix.ENOENT) {
		return err
	}
	if err := mkdirAll(dirfd, path.Dir(rel)); err != nil {
		return err
	}
	parent, base, err := openParent(dirfd, rel)
	if err != nil {
		return err
	}
	defer parent.close()
	if err := unix.Mkdirat(int(parent), base, 0o755); err != nil && err != unix.EEXIST {
		return pathErr("mkdir", rel, err)
	}
	return parent.sync(rel)
}

// lstatAt describes name in the folder dirfd without following a link.
func lstatAt(dirfd dirFD, name string) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Fstatat(int(dirfd), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	return st, err
}

func kindOf(mode uint32) Kind {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return File
	case unix.S_IFDIR:
		return Dir
	}
	return Other
}

// procPath names name inside the open folder dirfd for the *xattr calls that have no "at"
// form; only the last element is looked up, and the l-variants do not follow it.
func procPath(dirfd dirFD, name string) string {
	return "/proc/self/fd/" + strconv.Itoa(int(dirfd)) + "/" + name
}
