// Package poolsource lets the backup archiver read the shares through the pool, so a
// server backup takes only bytes the pool has checked (block checksums and each file's
// hash, a bad copy read from another drive) and never a copy rotting on one drive.
package poolsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/server/pool"
)

// Source is an archiver.Source over the pool. The archiver's paths are the pool's with
// a leading slash: "/Photos/2026/a.jpg" is the file a.jpg in the share Photos.
type Source struct {
	ctx  context.Context
	pool *pool.Pool
}

var _ archiver.Source = (*Source)(nil)

// New returns a source reading p; ctx bounds every read (the Source interface has no
// context of its own: the backup run's is given here).
func New(ctx context.Context, p *pool.Pool) *Source { return &Source{ctx: ctx, pool: p} }

// Path is the archiver's path of a pool path.
func Path(poolPath string) string { return "/" + strings.Trim(poolPath, "/") }

// poolPath is the pool path of an archiver path.
func poolPath(p string) (string, error) {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%s: %w", p, fs.ErrInvalid)
	}
	return strings.Trim(p, "/"), nil
}

// Lstat describes a file or folder.
func (s *Source) Lstat(p string) (fs.FileInfo, error) {
	pp, err := poolPath(p)
	if err != nil {
		return nil, err
	}
	fi, err := s.pool.Stat(s.ctx, pp)
	if err != nil {
		return nil, mapErr(p, err)
	}
	return pool.Stat{FI: &fi}, nil
}

// listPage is how many entries of a folder are asked for at once.
const listPage = 1000

// ReadDir lists a folder, by name.
func (s *Source) ReadDir(p string) ([]fs.DirEntry, error) {
	pp, err := poolPath(p)
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	after := ""
	for {
		page, err := s.pool.ListPage(s.ctx, pp, after, listPage)
		if err != nil {
			return nil, mapErr(p, err)
		}
		for _, fi := range page {
			out = append(out, fs.FileInfoToDirEntry(pool.Stat{FI: &fi}))
		}
		if len(page) < listPage {
			return out, nil
		}
		after = page[len(page)-1].Path
	}
}

// Open opens a file; its reads are checked by the pool.
func (s *Source) Open(p string) (io.ReadCloser, error) {
	pp, err := poolPath(p)
	if err != nil {
		return nil, err
	}
	f, err := s.pool.Open(s.ctx, pp)
	if err != nil {
		return nil, mapErr(p, err)
	}
	return f, nil
}

// Readlink fails: the pool holds no links.
func (s *Source) Readlink(p string) (string, error) {
	return "", fmt.Errorf("%s: %w", p, fs.ErrInvalid)
}

// mapErr gives the pool's not-found the file system's, as the archiver expects.
func mapErr(p string, err error) error {
	if errors.Is(err, pool.ErrNotFound) {
		return fmt.Errorf("%s: %w (%w)", p, fs.ErrNotExist, err)
	}
	return err
}
