// Package folder keeps a backup repository's objects as plain files under a folder, as
// on an external drive: each object a file at its name, written to a temporary file,
// synced, renamed into place without replacing anything, and its folder synced, so a
// crash or a pulled drive leaves each object whole or absent.
package folder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup/storage"
)

// tmpPrefix starts the temporary files of puts in progress; storage names never start
// with a dot, so they are never listed or mistaken for an object.
const tmpPrefix = ".put-"

// Folder is a storage.Storage in a local folder.
type Folder struct {
	root string
}

var _ storage.Storage = (*Folder)(nil)

// New returns the store in root, which must exist (a drive that is not mounted must not
// be written to the folder it would have been mounted on: the caller checks the mount).
func New(root string) (*Folder, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("open the backup folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("open the backup folder: %s is not a folder", root)
	}
	return &Folder{root: root}, nil
}

func (f *Folder) path(name string) string { return filepath.Join(f.root, filepath.FromSlash(name)) }

// Get opens an object.
func (f *Folder) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := storage.CheckName(name); err != nil {
		return nil, err
	}
	file, err := os.Open(f.path(name))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, notDir) {
		return nil, fmt.Errorf("%s: %w", name, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		file.Close()
		return nil, fmt.Errorf("%s: %w", name, storage.ErrNotFound)
	}
	return file, nil
}

// Put stores an object unless one of its name exists.
func (f *Folder) Put(ctx context.Context, name string, r io.Reader, size int64) (err error) {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	final := f.path(name)
	dir := filepath.Dir(final)
	if err := f.mkdirs(dir); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("%s: %w", name, storage.ErrExists) // spare writing the data
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, storage.Body(ctx, r, size)); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if err := renameNoReplace(tmp.Name(), final); errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: %w", name, storage.ErrExists)
	} else if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// mkdirs makes dir and the folders above it up to the root, syncing each parent a new
// folder appears in, so an object's folder outlives a crash as the object does.
func (f *Folder) mkdirs(dir string) error {
	if dir == f.root || !strings.HasPrefix(dir, f.root) {
		return nil
	}
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := f.mkdirs(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(parent)
}

// Delete removes an object.
func (f *Folder) Delete(ctx context.Context, name string) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	p := f.path(name)
	if err := os.Remove(p); errors.Is(err, fs.ErrNotExist) || errors.Is(err, notDir) {
		return nil
	} else if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

var _ storage.Sweeper = (*Folder)(nil)

// Sweep removes the temporary files of puts begun before olderThan and never finished.
func (f *Folder) Sweep(ctx context.Context, olderThan time.Time) (int, error) {
	n := 0
	err := filepath.WalkDir(f.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), tmpPrefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(olderThan) {
			return nil // gone meanwhile, or a put still running
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("remove unfinished copies: %w", err)
	}
	return n, nil
}

// List walks the folders the prefix can reach.
func (f *Folder) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	if err := storage.CheckPrefix(prefix); err != nil {
		return err
	}
	// Start in the deepest folder the prefix names whole.
	base := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
	}
	start := f.root
	if base != "" {
		start = f.path(base)
	}
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, notDir)) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p == start {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil // a put in progress, or one a crash cut off
		}
		rel, err := filepath.Rel(f.root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			// Go in only where names with the prefix can be.
			if !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(name, prefix) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listed
		}
		if err != nil {
			return err
		}
		return fn(storage.Object{Name: name, Size: info.Size()})
	})
	if err != nil {
		return fmt.Errorf("list %q: %w", prefix, err)
	}
	return nil
}
