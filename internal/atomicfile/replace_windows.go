package atomicfile

import (
	"os"

	"golang.org/x/sys/windows"
)

// replace renames from over to, returning only once the rename is on the disk. Windows
// has no handle on a folder that can be flushed (it answers "Access denied"); write-through
// is its way to the same end.
func replace(from, to string) error {
	f, err := windows.UTF16PtrFromString(from)
	if err != nil {
		return err
	}
	t, err := windows.UTF16PtrFromString(to)
	if err != nil {
		return err
	}
	if err := windows.MoveFileEx(f, t, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
