package pool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/zeebo/blake3"
)

// VersionInfo describes a kept previous version of a file.
type VersionInfo struct {
	Path    string
	Gen     uint64 // names the version
	Size    int64
	ModTime time.Time // the file's time when it was that content
	Kept    time.Time // when it was overwritten or deleted
	Copies  int
}

// Versions lists the kept versions of the file at path (which may since be deleted),
// or with a folder path, of every file below it. Newest first.
func (p *Pool) Versions(ctx context.Context, path string) ([]VersionInfo, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return nil, err
	}
	var vs []catalog.Version
	err = p.cat.View(ctx, func(tx *catalog.Tx) error {
		a, err := tx.Versions(ctx, path)
		if err != nil {
			return err
		}
		b, err := tx.VersionsBelow(ctx, path)
		vs = append(a, b...)
		return err
	})
	out := make([]VersionInfo, 0, len(vs))
	for _, v := range vs {
		out = append(out, VersionInfo{Path: v.Path, Gen: v.Gen, Size: v.Size, ModTime: v.ModTime, Kept: v.Retired, Copies: len(v.Copies)})
	}
	return out, err
}

// OpenVersion opens a kept version for reading. The reader fails at its end, instead of
// ending, when what it read does not match the version's hash: a restore made from it
// is then thrown away.
func (p *Pool) OpenVersion(ctx context.Context, path string, gen uint64) (io.ReadCloser, VersionInfo, error) {
	v, err := p.version(ctx, path, gen)
	if err != nil {
		return nil, VersionInfo{}, err
	}
	info := VersionInfo{Path: v.Path, Gen: v.Gen, Size: v.Size, ModTime: v.ModTime, Kept: v.Retired, Copies: len(v.Copies)}
	var last error = ErrNotFound
	for _, d := range p.sources(v.Copies) {
		f, err := d.d.OpenVersion(ctx, path, gen)
		if err == nil {
			return &checkedReader{rc: f, h: blake3.New(), want: v.Hash, size: v.Size, what: path}, info, nil
		}
		last = p.noteErr(ctx, d, err)
	}
	return nil, info, fmt.Errorf("%s version %d: no copy could be read: %w", path, gen, last)
}

func (p *Pool) version(ctx context.Context, path string, gen uint64) (catalog.Version, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return catalog.Version{}, err
	}
	var vs []catalog.Version
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { vs, err = tx.Versions(ctx, path); return err }); err != nil {
		return catalog.Version{}, err
	}
	for _, v := range vs {
		if v.Gen == gen {
			return v, nil
		}
	}
	return catalog.Version{}, fmt.Errorf("%s has no version %d: %w", path, gen, ErrNotFound)
}

// RestoreVersion writes a kept version back, at its own path or at to. What is there now
// becomes a version itself, so a restore can be undone. Missing folders are made.
func (p *Pool) RestoreVersion(ctx context.Context, path string, gen uint64, to string) (FileInfo, error) {
	if to == "" {
		to = path
	}
	to, err := cleanInShare(to)
	if err != nil {
		return FileInfo{}, err
	}
	r, info, err := p.OpenVersion(ctx, path, gen)
	if err != nil {
		return FileInfo{}, err
	}
	defer r.Close()
	if err := p.mkdirAll(ctx, safepath.Parent(to)); err != nil {
		return FileInfo{}, err
	}
	return p.WriteFile(ctx, to, r, WriteOptions{Size: info.Size, ModTime: info.ModTime})
}

// mkdirAll makes dir and its missing parents (not shares).
func (p *Pool) mkdirAll(ctx context.Context, dir string) error {
	if _, rel := safepath.Split(dir); rel == "" {
		if _, err := p.Stat(ctx, dir); err != nil {
			return err
		}
		return nil
	}
	fi, err := p.Stat(ctx, dir)
	if err == nil {
		if !fi.Dir {
			return wrapPath(dir, ErrNotDir)
		}
		return nil
	}
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := p.mkdirAll(ctx, safepath.Parent(dir)); err != nil {
		return err
	}
	if _, err := p.Mkdir(ctx, dir, time.Time{}); err != nil && !errors.Is(err, ErrExist) {
		return err
	}
	return nil
}

// PruneVersions removes versions beyond the retention settings and returns how many.
func (p *Pool) PruneVersions(ctx context.Context) (int, error) {
	var all []catalog.Version
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { all, err = tx.AllVersions(ctx); return err }); err != nil {
		return 0, err
	}
	cutoff := p.now().Add(-p.opt.VersionsKeep)
	removed, rank := 0, 0
	for i, v := range all {
		if i == 0 || all[i-1].Path != v.Path {
			rank = 0
		}
		rank++
		if rank <= p.opt.VersionsMax && v.Retired.After(cutoff) {
			continue
		}
		if p.dropVersion(ctx, v) {
			removed++
		}
	}
	return removed, nil
}

// dropVersion removes a version's copies from present drives; copies on missing drives
// are removed when those return.
func (p *Pool) dropVersion(ctx context.Context, v catalog.Version) bool {
	gone := 0
	for _, d := range p.sources(v.Copies) {
		if err := d.d.RemoveVersion(ctx, v.Path, v.Gen); err != nil && !errors.Is(err, ErrNotFound) {
			p.noteErr(ctx, d, err)
			continue
		}
		err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.RemoveVersionCopy(ctx, v.ID, d.id()) })
		if err == nil {
			gone++
		}
	}
	return gone > 0
}

// checkedReader hashes what it reads and fails at the end unless it matches.
type checkedReader struct {
	rc   io.ReadCloser
	h    *blake3.Hasher
	want []byte
	size int64
	n    int64
	what string
}

func (c *checkedReader) Read(b []byte) (int, error) {
	n, err := c.rc.Read(b)
	c.h.Write(b[:n])
	c.n += int64(n)
	if errors.Is(err, io.EOF) && (c.n != c.size || !bytes.Equal(c.h.Sum(nil), c.want)) {
		return n, fmt.Errorf("%s: %w", c.what, errBadCopy)
	}
	return n, err
}

func (c *checkedReader) Close() error { return c.rc.Close() }
