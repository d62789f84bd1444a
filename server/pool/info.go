package pool

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// FileInfo describes a file or folder of the pool.
type FileInfo struct {
	Path    string
	Name    string
	Dir     bool
	Size    int64
	ModTime time.Time
	Hash    string // hex BLAKE3-256; files only
	Gen     uint64
	Copies  int // copies on working drives
	Wanted  int // copies the share asks for
}

func (p *Pool) infoOf(e catalog.Entry, want int) FileInfo {
	fi := FileInfo{Path: e.Path, Name: safepath.Base(e.Path), Dir: e.Dir, Size: e.Size, ModTime: e.ModTime, Gen: e.Gen}
	if !e.Dir {
		fi.Hash = hex.EncodeToString(e.Hash)
		fi.Copies = len(p.healthyOf(e))
		fi.Wanted = want
	}
	return fi
}

// healthyOf returns the copies of e that sit on active drives and are not known bad.
func (p *Pool) healthyOf(e catalog.Entry) []string {
	return slices.DeleteFunc(p.healthy(e.Copies), func(id string) bool { return p.bad.has(badKey{id, e.Path, e.Gen}) })
}

// healthy returns the copies that sit on active drives.
func (p *Pool) healthy(copies []string) []string {
	var out []string
	for _, id := range copies {
		if v, ok := p.viewOf(id); ok && v.writable() {
			out = append(out, id)
		}
	}
	return out
}

// wantCopies is how many copies files of a share should have.
func (p *Pool) wantCopies(s catalog.Share) int {
	if s.Copies > 0 {
		return s.Copies
	}
	if p.memberCount() >= 2 {
		return 2
	}
	return 1
}

// Stat describes path.
func (p *Pool) Stat(ctx context.Context, path string) (FileInfo, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return FileInfo{}, err
	}
	var fi FileInfo
	err = p.cat.View(ctx, func(tx *catalog.Tx) error {
		e, err := tx.Entry(ctx, path)
		if errors.Is(err, catalog.ErrNotFound) {
			return wrapPath(path, ErrNotFound)
		}
		if err != nil {
			return err
		}
		want := 0
		if !e.Dir {
			s, err := tx.Share(ctx, shareOf(path))
			if err != nil {
				return err
			}
			want = p.wantCopies(s)
		}
		fi = p.infoOf(e, want)
		return nil
	})
	return fi, err
}

// List returns the contents of a folder, by name; "" lists the shares.
func (p *Pool) List(ctx context.Context, dir string) ([]FileInfo, error) {
	return p.list(ctx, dir, "", -1)
}

// ListPage returns at most n entries of a folder, by name, starting after the path
// after ("" for the first page): a long folder can be answered piece by piece.
func (p *Pool) ListPage(ctx context.Context, dir, after string, n int) ([]FileInfo, error) {
	return p.list(ctx, dir, after, n)
}

func (p *Pool) list(ctx context.Context, dir, after string, limit int) ([]FileInfo, error) {
	var out []FileInfo
	err := p.viewFolder(ctx, dir, func(tx *catalog.Tx, dir string, want int) error {
		kids, err := tx.ChildrenAfter(ctx, dir, after, limit)
		for _, k := range kids {
			out = append(out, p.infoOf(k, want))
		}
		return err
	})
	return out, err
}

// Order is how ListSorted sorts a folder: by one of these keys, names breaking ties.
type Order = catalog.Order

const (
	ByName = catalog.ByName
	BySize = catalog.BySize
	ByDate = catalog.ByDate
)

// ListSorted returns at most n entries of a folder in order from offset, and how many
// the folder holds: one page of a long folder, without reading the rest of it.
func (p *Pool) ListSorted(ctx context.Context, dir string, o Order, offset, n int) ([]FileInfo, int, error) {
	var out []FileInfo
	var total int
	err := p.viewFolder(ctx, dir, func(tx *catalog.Tx, dir string, want int) error {
		kids, all, err := tx.ChildrenSorted(ctx, dir, o, offset, n)
		for _, k := range kids {
			out = append(out, p.infoOf(k, want))
		}
		total = all
		return err
	})
	return out, total, err
}

// Beside returns the files nearest to path on each side in its folder sorted by name
// whose names end in one of exts (".jpg", any case), "" where there is none.
func (p *Pool) Beside(ctx context.Context, path string, exts []string) (prev, next string, err error) {
	if path, err = safepath.Clean(path); err != nil {
		return "", "", err
	}
	err = p.cat.View(ctx, func(tx *catalog.Tx) (err error) { prev, next, err = tx.Beside(ctx, path, exts); return err })
	return prev, next, err
}

// viewFolder runs list in a read transaction for the folder dir ("" for the shares),
// once it is known to be one, with the copies its share asks for.
func (p *Pool) viewFolder(ctx context.Context, dir string, list func(tx *catalog.Tx, dir string, want int) error) error {
	if dir != "" {
		var err error
		if dir, err = safepath.Clean(dir); err != nil {
			return err
		}
	}
	return p.cat.View(ctx, func(tx *catalog.Tx) error {
		want := 0
		if dir != "" {
			e, err := tx.Entry(ctx, dir)
			if errors.Is(err, catalog.ErrNotFound) {
				return wrapPath(dir, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if !e.Dir {
				return wrapPath(dir, ErrNotDir)
			}
			s, err := tx.Share(ctx, shareOf(dir))
			if err != nil {
				return fmt.Errorf("list %s: %w", dir, err)
			}
			want = p.wantCopies(s)
		}
		return list(tx, dir, want)
	})
}

func shareOf(path string) string {
	s, _ := safepath.Split(path)
	return s
}

// copiesOf returns the drives holding a copy of path.
func (p *Pool) copiesOf(ctx context.Context, path string) ([]string, error) {
	var copies []string
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		e, err := tx.Entry(ctx, path)
		copies = e.Copies
		return err
	})
	return copies, err
}
