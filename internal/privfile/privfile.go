// Package privfile keeps the server's own files (its catalog with the password hashes,
// its keys) private to the account it runs as, whatever the umask or the modes an older
// version left behind.
package privfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Modes of the state folder's files and folders.
const (
	FileMode fs.FileMode = 0o600
	DirMode  fs.FileMode = 0o700
)

// SQLite makes the database at path private before SQLite opens it: SQLite creates a
// missing file with 0644 less the umask, and its -wal and -shm files with the database
// file's mode. So the file is made here, empty (which SQLite takes as a new database),
// with FileMode, and an existing one and its companions are given FileMode.
func SQLite(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, FileMode)
	if err != nil {
		return fmt.Errorf("make %s private: %w", path, err)
	}
	err = f.Chmod(FileMode)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("make %s private: %w", path, err)
	}
	for _, p := range []string{path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Chmod(p, FileMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("make %s private: %w", p, err)
		}
	}
	return nil
}

// Tree makes dir and every folder below it DirMode and every file FileMode. Symbolic
// links and sockets are left alone (a link's mode is its target's business). A folder
// below dir for which leave returns true is left as it is, with everything inside it: a
// drive kept in the state folder, or a file system mounted there, has its own layout and
// modes (a drive's files stay readable as plain files). leave may be nil.
func Tree(dir string, leave func(path string) bool) error {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var mode fs.FileMode
		switch {
		case d.IsDir():
			// Asked before its mode is changed: a drive's own folder is the drive's too.
			if path != dir && leave != nil && leave(path) {
				return filepath.SkipDir
			}
			mode = DirMode
		case d.Type().IsRegular():
			mode = FileMode
		default:
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != mode {
			if err := os.Chmod(path, mode); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("make the files of %s private: %w", dir, err)
	}
	return nil
}
