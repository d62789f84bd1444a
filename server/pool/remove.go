package pool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// Remove deletes a file, or a folder with everything in it. Deleted files are kept as
// previous versions until the retention setting prunes them. A drive that is missing
// keeps its copies; they are recognised as deleted when it returns.
func (p *Pool) Remove(ctx context.Context, path string) error {
	return p.remove(ctx, path, true)
}

// Discard removes a file or folder without keeping previous versions: for data that has
// its own history, such as backup packs, where a kept version would only hold the space
// garbage collection means to free.
func (p *Pool) Discard(ctx context.Context, path string) error {
	return p.remove(ctx, path, false)
}

// RemoveUnchanged is Remove for an undo of what was made at generation made or before:
// it fails with ErrChanged, removing nothing, when anything at or below path came to be
// there after it (written, replaced, moved in), so an undo never takes away what
// someone else put there meanwhile.
func (p *Pool) RemoveUnchanged(ctx context.Context, path string, made uint64) error {
	path, err := cleanInShare(path)
	if err != nil {
		return err
	}
	return p.removeTree(ctx, path, true, func(tree []catalog.Entry) error {
		for _, e := range tree {
			if e.Gen > made {
				return wrapPath(e.Path, ErrChanged)
			}
		}
		return nil
	}, nil)
}

func (p *Pool) remove(ctx context.Context, path string, keep bool) error {
	path, err := cleanInShare(path)
	if err != nil {
		return err
	}
	return p.removeTree(ctx, path, keep, nil, nil)
}

// removeTree removes path (a share's root too, for a purge) with everything below it;
// check, when set, may refuse the tree before anything is touched; also, when set, runs
// in the transaction that unindexes it.
func (p *Pool) removeTree(ctx context.Context, path string, keep bool, check func([]catalog.Entry) error, also func(*catalog.Tx) error) (err error) {
	p.ns.Lock()
	defer p.ns.Unlock()
	var tree []catalog.Entry
	err = p.cat.View(ctx, func(tx *catalog.Tx) (err error) { tree, err = tx.Tree(ctx, path); return err })
	if err != nil {
		return err
	}
	if len(tree) == 0 {
		return wrapPath(path, ErrNotFound)
	}
	if check != nil {
		if err := check(tree); err != nil {
			return err
		}
	}
	for _, e := range tree {
		if !e.Dir && p.paths.isWriting(e.Path) {
			return wrapPath(e.Path, errors.New("it is being written; try again when the upload is done"))
		}
	}
	gen, err := p.nextGen(ctx)
	if err != nil {
		return err
	}
	p.changes.note(path)
	t := p.tombstone(ctx, path, "", 0, gen)
	var vers []catalog.Version
	var dirs []string
	for _, e := range tree {
		if e.Dir {
			dirs = append(dirs, e.Path)
		} else if !keep {
			p.removeCopies(ctx, e)
		} else if v := p.retireCopies(ctx, e); v != nil {
			vers = append(vers, *v)
		}
	}
	p.removeDirs(ctx, dirs)
	defer p.changedUnless(&err)
	return p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.DeleteTree(ctx, path); err != nil {
			return err
		}
		if err := tx.TouchParent(ctx, path, p.now()); err != nil {
			return err
		}
		if err := tx.AddTombstone(ctx, t); err != nil {
			return err
		}
		for _, v := range vers {
			if err := tx.AddVersion(ctx, v); err != nil {
				return err
			}
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
}

// removeDirs removes folders on every present drive, deepest first. A folder that still
// holds something the pool does not own stays, and a rebuild judges it stale.
func (p *Pool) removeDirs(ctx context.Context, dirs []string) {
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	var vs []view
	for _, v := range p.views() {
		if v.readable() {
			vs = append(vs, v)
		}
	}
	p.onDrives(ctx, vs, p.slowTimeout(), func(v view) error {
		for _, d := range dirs {
			err := v.d.Remove(ctx, d)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				p.noteErr(ctx, v, err)
				p.log.Warn("could not remove a folder on a drive", "drive", v.rec.Label, "folder", d, "err", err)
			}
		}
		return nil
	})
}

// Rename moves a file or folder. A file replaces a file at the destination (which is kept
// as a version); a folder never replaces anything (delete the destination first).
func (p *Pool) Rename(ctx context.Context, from, to string) (err error) {
	from, err = cleanInShare(from)
	if err != nil {
		return err
	}
	if to, err = cleanInShare(to); err != nil {
		return err
	}
	if from == to {
		return nil
	}
	if safepath.Within(to, from) {
		// Refused, not failed: the caller tells the person so in these words.
		return wrapPath(to, fmt.Errorf("%w: a folder cannot be moved into itself", ErrRefused))
	}
	p.ns.Lock()
	defer p.ns.Unlock()
	src, dst, err := p.checkRename(ctx, from, to)
	if err != nil {
		return err
	}
	gen, err := p.nextGen(ctx)
	if err != nil {
		return err
	}
	p.changes.note(from, to)
	t := p.tombstone(ctx, from, to, src.Gen, gen)
	var ver *catalog.Version
	if src.Dir {
		p.renameDirOnDrives(ctx, from, to, gen)
	} else {
		ver = p.renameFileOnDrives(ctx, src, dst, to, gen)
	}
	defer p.changedUnless(&err)
	return p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if dst != nil {
			if err := tx.DeleteTree(ctx, to); err != nil {
				return err
			}
		}
		if ver != nil {
			if err := tx.AddVersion(ctx, *ver); err != nil {
				return err
			}
		}
		if err := tx.RenameTree(ctx, from, to, gen); err != nil {
			return err
		}
		now := p.now()
		if err := tx.TouchParent(ctx, from, now); err != nil {
			return err
		}
		if err := tx.TouchParent(ctx, to, now); err != nil {
			return err
		}
		return tx.AddTombstone(ctx, t)
	})
}

func (p *Pool) checkRename(ctx context.Context, from, to string) (catalog.Entry, *catalog.Entry, error) {
	var src catalog.Entry
	var dst *catalog.Entry
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		var err error
		if src, err = tx.Entry(ctx, from); errors.Is(err, catalog.ErrNotFound) {
			return wrapPath(from, ErrNotFound)
		} else if err != nil {
			return err
		}
		if err := checkParent(ctx, tx, to); err != nil {
			return err
		}
		d, err := tx.Entry(ctx, to)
		switch {
		case errors.Is(err, catalog.ErrNotFound):
		case err != nil:
			return err
		case d.Dir || src.Dir:
			return wrapPath(to, ErrExist)
		default:
			dst = &d
		}
		if !src.Dir && p.paths.isWriting(from) {
			return wrapPath(from, errors.New("it is being written; try again when the upload is done"))
		}
		return nil
	})
	return src, dst, err
}

// renameFileOnDrives moves a file's copies; a file at the destination becomes a version.
func (p *Pool) renameFileOnDrives(ctx context.Context, src catalog.Entry, dst *catalog.Entry, to string, gen uint64) *catalog.Version {
	var ver *catalog.Version
	if dst != nil {
		ver = &catalog.Version{Path: to, Gen: dst.Gen, Size: dst.Size, ModTime: dst.ModTime, Hash: dst.Hash, Retired: p.now()}
	}
	moved := map[string]bool{}
	for _, v := range p.sources(src.Copies) {
		err := p.within(ctx, v, func() error {
			err := v.d.Rename(ctx, src.Path, to, gen)
			if errors.Is(err, fs.ErrNotExist) {
				if err = p.ensureDirs(ctx, v, safepath.Parent(to)); err == nil {
					err = v.d.Rename(ctx, src.Path, to, gen)
				}
			}
			return err
		})
		if err != nil {
			p.noteErr(ctx, v, err)
			p.needReconcile(v.id())
			p.log.Warn("could not move a copy; the repairer will copy the file again", "drive", v.rec.Label, "file", src.Path, "err", err)
			continue
		}
		moved[v.id()] = true
	}
	if dst != nil {
		for _, v := range p.sources(dst.Copies) {
			if moved[v.id()] {
				ver.Copies = append(ver.Copies, v.id()) // the drive's Rename kept it
			} else if err := p.within(ctx, v, func() error { return v.d.Retire(ctx, to) }); err == nil {
				ver.Copies = append(ver.Copies, v.id())
			}
		}
		if len(ver.Copies) == 0 {
			ver = nil
		}
	}
	return ver
}

// renameDirOnDrives moves a folder on every present drive.
func (p *Pool) renameDirOnDrives(ctx context.Context, from, to string, gen uint64) {
	for _, v := range p.views() {
		if !v.readable() {
			continue
		}
		err := p.within(ctx, v, func() error {
			err := v.d.Rename(ctx, from, to, gen)
			if errors.Is(err, fs.ErrNotExist) {
				if _, serr := v.d.Stat(ctx, from); errors.Is(serr, fs.ErrNotExist) {
					return nil // this drive never got the folder; the repairer makes it
				}
				if err = p.ensureDirs(ctx, v, safepath.Parent(to)); err == nil {
					err = v.d.Rename(ctx, from, to, gen)
				}
			}
			return err
		})
		if err != nil {
			p.noteErr(ctx, v, err)
			p.needReconcile(v.id())
			p.log.Warn("could not move a folder on a drive", "drive", v.rec.Label, "folder", from, "err", err)
		}
	}
}
