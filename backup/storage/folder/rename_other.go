//go:build !linux

package folder

import (
	"os"
	"runtime"
	"syscall"
)

// notDir: a part of the path is a file, so the object cannot be there.
var notDir = syscall.ENOTDIR

// renameNoReplace renames from to to unless to exists (fs.ErrExist).
func renameNoReplace(from, to string) error { return linkRename(from, to) }

// syncDir makes a folder's entries durable where the system can (Windows cannot open a
// folder for syncing; its renames are journaled by NTFS).
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
