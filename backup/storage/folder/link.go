package folder

import (
	"errors"
	"io/fs"
	"os"
)

// linkRename puts from at to unless to exists, without a rename that could replace: a
// hard link fails when the name is taken, and the temporary name is then removed. Where
// links are not supported either (FAT), it checks and renames, which is safe with one
// writer, the only kind a backup job has.
func linkRename(from, to string) error {
	err := os.Link(from, to)
	if err == nil {
		return os.Remove(from)
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, serr := os.Lstat(to); serr == nil {
		return fs.ErrExist
	}
	return os.Rename(from, to)
}
