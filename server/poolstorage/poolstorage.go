// Package poolstorage keeps a backup repository's objects in a folder of the pool, so
// they are duplicated like any share's files and every read is checked by the pool
// (block checksums and the file's hash) before a byte is returned.
package poolstorage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/server/pool"
)

// Store is a storage.Storage in a pool folder.
type Store struct {
	pool *pool.Pool
	root string
}

var _ storage.Storage = (*Store)(nil)

// New returns the store in the pool folder root: a share, or a folder in one (made as
// objects are put). The share must exist.
func New(p *pool.Pool, root string) *Store {
	return &Store{pool: p, root: strings.Trim(root, "/")}
}

func (s *Store) path(name string) string { return s.root + "/" + name }

// Get opens an object; the pool checks what it reads.
func (s *Store) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := storage.CheckName(name); err != nil {
		return nil, err
	}
	f, err := s.pool.Open(ctx, s.path(name))
	if err == nil {
		return f, nil
	}
	if errors.Is(err, pool.ErrNotFound) || errors.Is(err, pool.ErrIsDir) || errors.Is(err, pool.ErrNotDir) {
		// The pool says not found, too, for a file whose drives are all missing: that
		// one is there, and must not be taken for absent (a check would call the
		// backup damaged, a cleanup would forget it).
		if fi, serr := s.pool.Stat(ctx, s.path(name)); serr == nil && !fi.Dir {
			return nil, fmt.Errorf("read %s: the drives that hold it are missing: %v", name, err)
		}
		return nil, fmt.Errorf("%s: %w", name, storage.ErrNotFound)
	}
	return nil, fmt.Errorf("read %s: %w", name, err)
}

// Put writes an object as a new pool file: the commit fails if a file of the name
// appeared meanwhile, so two puts never both win.
func (s *Store) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	p := s.path(name)
	if _, err := s.pool.Stat(ctx, p); err == nil {
		return fmt.Errorf("%s: %w", name, storage.ErrExists) // spare sending the data
	}
	if err := s.mkdirs(ctx, path.Dir(p)); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	none := uint64(0)
	w, err := s.pool.Create(ctx, p, pool.WriteOptions{Size: size, IfGen: &none})
	if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	defer w.Abort() // throws the file away unless committed
	if _, err := io.Copy(w, storage.Body(ctx, r, size)); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	if _, err := w.Commit(ctx); errors.Is(err, pool.ErrChanged) || errors.Is(err, pool.ErrExist) {
		return fmt.Errorf("%s: %w", name, storage.ErrExists)
	} else if err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	return nil
}

// mkdirs makes dir and the folders above it, below the share.
func (s *Store) mkdirs(ctx context.Context, dir string) error {
	if !strings.Contains(dir, "/") {
		return nil // the share itself
	}
	if fi, err := s.pool.Stat(ctx, dir); err == nil && fi.Dir {
		return nil
	}
	if err := s.mkdirs(ctx, path.Dir(dir)); err != nil {
		return err
	}
	if _, err := s.pool.Mkdir(ctx, dir, time.Time{}); err != nil && !errors.Is(err, pool.ErrExist) {
		return err
	}
	return nil
}

// Delete removes an object for good: no previous version is kept, since the
// repository has its own history and a kept version would hold the space a cleanup
// means to free.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	p := s.path(name)
	fi, err := s.pool.Stat(ctx, p)
	if errors.Is(err, pool.ErrNotFound) || errors.Is(err, pool.ErrNotDir) || (err == nil && fi.Dir) {
		return nil // no object of that name (a folder is not one, and is not removed)
	}
	if err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	if err := s.pool.Discard(ctx, p); err != nil && !errors.Is(err, pool.ErrNotFound) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// listPage is how many entries of a folder are read at once: a folder of packs can
// hold many thousands.
const listPage = 1000

// List walks the folders the prefix can reach.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	if err := storage.CheckPrefix(prefix); err != nil {
		return err
	}
	base := s.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = s.path(prefix[:i])
	}
	if err := s.list(ctx, base, prefix, fn); err != nil {
		return fmt.Errorf("list %q: %w", prefix, err)
	}
	return nil
}

func (s *Store) list(ctx context.Context, dir, prefix string, fn func(storage.Object) error) error {
	after := ""
	for {
		page, err := s.pool.ListPage(ctx, dir, after, listPage)
		if errors.Is(err, pool.ErrNotFound) || errors.Is(err, pool.ErrNotDir) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, fi := range page {
			name := strings.TrimPrefix(fi.Path, s.root+"/")
			if fi.Dir {
				if strings.HasPrefix(name+"/", prefix) || strings.HasPrefix(prefix, name+"/") {
					if err := s.list(ctx, fi.Path, prefix, fn); err != nil {
						return err
					}
				}
				continue
			}
			if strings.HasPrefix(name, prefix) {
				if err := fn(storage.Object{Name: name, Size: fi.Size}); err != nil {
					return err
				}
			}
		}
		if len(page) < listPage {
			return nil
		}
		after = page[len(page)-1].Path
	}
}
