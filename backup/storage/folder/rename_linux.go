package folder

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// notDir: a part of the path is a file, so the object cannot be there.
var notDir = syscall.ENOTDIR

// renameNoReplace renames from to to unless to exists (fs.ErrExist): one system call, so
// two puts of one name cannot both win. vfat and exfat, common on USB drives, support
// it as ext4 does.
func renameNoReplace(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return linkRename(from, to) // a file system or kernel without the flag
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}

// syncDir makes a folder's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
