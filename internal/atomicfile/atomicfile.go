// Package atomicfile replaces small files on the local disk so that a crash or a failed
// write leaves the old file or the new one, never a torn one.
package atomicfile

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Write replaces path with data.
func Write(path string, data []byte, mode os.FileMode) error {
	return Copy(path, bytes.NewReader(data), mode, time.Time{})
}

// Copy replaces path with what r gives: written to a temporary file beside it, synced,
// given mode (and mtime unless zero), and renamed over path durably. When r
// fails, path is left as it was and the temporary file is removed.
func Copy(path string, r io.Reader, mode os.FileMode, mtime time.Time) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	err = tmp.Chmod(mode)
	if err == nil {
		_, err = io.Copy(tmp, r)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && !mtime.IsZero() {
		err = os.Chtimes(tmp.Name(), mtime, mtime)
	}
	if err == nil {
		err = replace(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
