//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
)

// replace renames from over to and syncs the folder, so the rename itself survives a
// power cut.
func replace(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(to))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
