package pool

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// cleanInShare checks a path that must lie inside a share (not be one).
func cleanInShare(path string) (string, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return "", err
	}
	if _, rel := safepath.Split(path); rel == "" {
		return "", wrapPath(path, ErrShareRoot)
	}
	return path, nil
}

// entry reads path from the index, as ErrNotFound when absent.
func (p *Pool) entry(ctx context.Context, path string) (catalog.Entry, error) {
	var e catalog.Entry
	err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { e, err = tx.Entry(ctx, path); return err })
	if errors.Is(err, catalog.ErrNotFound) {
		return e, wrapPath(path, ErrNotFound)
	}
	return e, err
}

// Mkdir makes a folder on every working drive; its parent must exist.
func (p *Pool) Mkdir(ctx context.Context, path string, mtime time.Time) (FileInfo, error) {
	path, err := cleanInShare(path)
	if err != nil {
		return FileInfo{}, err
	}
	if mtime.IsZero() {
		mtime = p.now()
	}
	unlock := p.lockPath(path)
	defer unlock()
	err = p.cat.View(ctx, func(tx *catalog.Tx) error {
		if err := checkParent(ctx, tx, path); err != nil {
			return err
		}
		if _, err := tx.Entry(ctx, path); err == nil {
			return wrapPath(path, ErrExist)
		}
		return nil
	})
	if err != nil {
		return FileInfo{}, err
	}
	gen, err := p.nextGen(ctx)
	if err != nil {
		return FileInfo{}, err
	}
	e := catalog.Entry{Path: path, Dir: true, ModTime: mtime, Gen: gen}
	if err := p.mkdirOnDrives(ctx, e); err != nil {
		return FileInfo{}, err
	}
	err = p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.PutEntry(ctx, e); err != nil {
			return err
		}
		return tx.TouchParent(ctx, path, p.now())
	})
	if err != nil {
		return FileInfo{}, err
	}
	p.changed()
	return p.infoOf(e, 0), nil
}

// mkdirOnDrives makes a folder on every working drive; it fails only when none could.
func (p *Pool) mkdirOnDrives(ctx context.Context, e catalog.Entry) error {
	var vs []view
	for _, v := range p.views() {
		if v.writable() {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return wrapPath(e.Path, ErrNoDrives)
	}
	errs := p.onDrives(ctx, vs, 3*p.opt.DriveTimeout, func(v view) error {
		err := v.d.Mkdir(ctx, e.Path, e.ModTime, e.Gen)
		if errors.Is(err, fs.ErrNotExist) {
			if err := p.ensureDirs(ctx, v, safepath.Parent(e.Path)); err != nil {
				return err
			}
			err = v.d.Mkdir(ctx, e.Path, e.ModTime, e.Gen)
		}
		return err
	})
	ok := 0
	var last error
	for i, err := range errs {
		if err != nil {
			last = p.noteErr(ctx, vs[i], err)
			p.log.Warn("could not make a folder on a drive; the repairer will", "drive", vs[i].rec.Label, "folder", e.Path, "err", err)
			continue
		}
		ok++
	}
	if ok == 0 {
		return wrapPath(e.Path, last)
	}
	return nil
}

// Chtimes sets the modification time of a file or folder on every copy.
func (p *Pool) Chtimes(ctx context.Context, path string, mtime time.Time) error {
	path, err := safepath.Clean(path)
	if err != nil {
		return err
	}
	unlock := p.lockPath(path)
	defer unlock()
	e, err := p.entry(ctx, path)
	if err != nil {
		return err
	}
	for _, v := range p.holders(e) {
		err := p.within(ctx, v, func() error { return v.d.SetTimes(ctx, path, mtime) })
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.noteErr(ctx, v, err)
			p.log.Warn("could not set a time on a drive", "drive", v.rec.Label, "path", path, "err", err)
		}
	}
	return p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetModTime(ctx, path, mtime) })
}

// holders are the present drives that hold e: its copies, or for a folder every drive.
func (p *Pool) holders(e catalog.Entry) []view {
	if !e.Dir {
		return p.sources(e.Copies)
	}
	var out []view
	for _, v := range p.views() {
		if v.readable() {
			out = append(out, v)
		}
	}
	return out
}

// tombstone records a delete of path (or with to set, its rename, of the item at
// generation from) at gen on every present drive, before anything is changed: a crash
// after this point finishes the change at the next start.
func (p *Pool) tombstone(ctx context.Context, path, to string, from, gen uint64) catalog.Tombstone {
	t := catalog.Tombstone{Path: path, Gen: gen, At: p.now(), To: to, FromGen: from}
	var vs []view
	for _, v := range p.views() {
		if v.present() {
			vs = append(vs, v)
		}
	}
	line := []drive.Tombstone{{Gen: t.Gen, At: t.At, Path: t.Path, To: t.To, FromGen: t.FromGen}}
	errs := p.onDrives(ctx, vs, 3*p.opt.DriveTimeout, func(v view) error { return v.d.AppendTombstones(ctx, line) })
	for i, err := range errs {
		if err != nil {
			p.noteErr(ctx, vs[i], err)
			p.log.Warn("could not record a delete on a drive", "drive", vs[i].rec.Label, "path", path, "err", err)
		}
	}
	return t
}

// retireCopies moves every present copy of a file into the versions area and returns the
// version to record (nil when no copy could be kept).
// removeCopies deletes a file's copies outright. A drive that fails keeps its copy, which
// the tombstone marks as deleted when the drive is reconciled.
func (p *Pool) removeCopies(ctx context.Context, e catalog.Entry) {
	for _, v := range p.sources(e.Copies) {
		if err := p.within(ctx, v, func() error { return v.d.Remove(ctx, e.Path) }); err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.noteErr(ctx, v, err)
			p.needReconcile(v.id())
			p.log.Warn("could not delete a file on a drive", "drive", v.rec.Label, "file", e.Path, "err", err)
		}
	}
}

func (p *Pool) retireCopies(ctx context.Context, e catalog.Entry) *catalog.Version {
	ver := catalog.Version{Path: e.Path, Gen: e.Gen, Size: e.Size, ModTime: e.ModTime, Hash: e.Hash, Retired: p.now()}
	for _, v := range p.sources(e.Copies) {
		if err := p.within(ctx, v, func() error { return v.d.Retire(ctx, e.Path) }); err != nil {
			p.noteErr(ctx, v, err)
			p.needReconcile(v.id())
			p.log.Warn("could not keep a deleted file as a version on a drive", "drive", v.rec.Label, "file", e.Path, "err", err)
			continue
		}
		ver.Copies = append(ver.Copies, v.id())
	}
	if len(ver.Copies) == 0 {
		return nil
	}
	return &ver
}
