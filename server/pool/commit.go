package pool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// Commit makes the file durable on every target drive and then visible at its path,
// keeping the previous content as a version. When it returns without error every copy
// is on disk (fsync of the data and of its folder); a crash before that leaves the old
// file. When a drive failed along the way, the file is committed on the others and
// copied to another drive before Commit returns if one has room, else by the repairer.
func (w *Writer) Commit(ctx context.Context) (FileInfo, error) {
	if w.done == nil {
		return FileInfo{}, w.err
	}
	if err := w.flush(); err != nil {
		w.Abort()
		return FileInfo{}, err
	}
	defer w.Abort() // cleans up whatever was not committed
	var sum drive.Hash
	copy(sum[:], w.hash.Sum(nil))
	mtime := w.opt.ModTime
	if mtime.IsZero() {
		mtime = w.p.now()
	}
	// Claim the drives before any lock: a drive being checked needs the tree lock to
	// return to service, and is worth waiting for.
	claimed := w.claim(ctx)
	defer w.p.unclaim(claimed)
	if err := w.liveErr(); err != nil {
		return FileInfo{}, err
	}
	unlock := w.p.lockPath(w.path)
	defer unlock()
	cur, err := w.p.checkCommit(ctx, w.path, w.opt.IfGen)
	if err != nil {
		return FileInfo{}, err
	}
	gen, err := w.p.nextGen(ctx)
	if err != nil {
		return FileInfo{}, err
	}
	e := catalog.Entry{Path: w.path, Size: w.n, ModTime: mtime, Hash: sum[:], Gen: gen}
	if err := w.landAll(ctx, mtime, drive.Meta{Gen: gen, Hash: sum}); err != nil {
		return FileInfo{}, err
	}
	for _, t := range w.live() {
		e.Copies = append(e.Copies, t.v.id())
	}
	if err := w.p.recordWrite(ctx, e, cur, w.sums.sums()); err != nil {
		return FileInfo{}, err
	}
	// A target may have left service since it took its copy (a drive that vanished just
	// now): what counts is the copies on working drives.
	if have := len(w.p.healthyOf(e)); have < w.want {
		e.Copies = append(e.Copies, w.p.addCopies(ctx, e, w.want-have, true)...)
	}
	return w.p.infoOf(e, w.want), nil
}

// claim keeps the targets that may still take the copy and returns their ids. A target
// out of service for a moment (it missed a check and is being compared with the index)
// is waited for, up to the drive timeout; one that does not return is dropped.
func (w *Writer) claim(ctx context.Context) []string {
	var ids []string
	for _, t := range w.live() {
		ids = append(ids, t.v.id())
	}
	ok := w.p.claim(ids)
	for deadline := time.Now().Add(w.p.opt.DriveTimeout); len(ok) < len(ids) && time.Now().Before(deadline); {
		if sleep(ctx, 20*time.Millisecond) != nil {
			break
		}
		var rest []string
		for _, id := range ids {
			if !slices.Contains(ok, id) {
				rest = append(rest, id)
			}
		}
		ok = append(ok, w.p.claim(rest)...)
	}
	for _, t := range w.live() {
		if !slices.Contains(ok, t.v.id()) {
			t.err = fmt.Errorf("drive %s left service during the write", t.v.rec.Label)
			t.pf.Abort()
		}
	}
	return ok
}

// flush sends the last partial chunk and stops the target goroutines.
func (w *Writer) flush() error {
	if err := w.send(); err != nil {
		return err
	}
	if err := w.wait(); err != nil {
		return err
	}
	for _, t := range w.live() {
		t.stop()
		<-t.exit
	}
	return nil
}

func (w *Writer) byView(fn func(*target) error) func(view) error {
	m := map[string]*target{}
	for _, t := range w.live() {
		m[t.v.id()] = t
	}
	return func(v view) error { return fn(m[v.id()]) }
}

func (w *Writer) liveViews() []view {
	var vs []view
	for _, t := range w.live() {
		vs = append(vs, t.v)
	}
	return vs
}

// landAll syncs every copy and moves it into place, each drive on its own (one
// goroutine per drive for both steps: a hand-over costs more than a small file's sync
// on a busy machine). A copy whose sync failed is never moved into place; copies that
// fail are dropped.
func (w *Writer) landAll(ctx context.Context, mtime time.Time, meta drive.Meta) error {
	vs := w.liveViews()
	errs := w.p.onDrives(ctx, vs, w.p.slowTimeout()+3*w.p.opt.DriveTimeout, w.byView(func(t *target) error {
		if err := t.pf.Finish(ctx, mtime, meta); err != nil {
			return err
		}
		return w.p.commitCopy(ctx, t.v, t.pf, w.path)
	}))
	return w.dropFailed(vs, errs)
}

func (w *Writer) dropFailed(vs []view, errs []error) error {
	for i, err := range errs {
		if err == nil {
			continue
		}
		for _, t := range w.targets {
			if t.v.id() == vs[i].id() && t.err == nil {
				t.err = err
				w.p.noteErr(context.Background(), t.v, err)
				w.p.log.Warn("a copy could not be completed", "drive", t.v.rec.Label, "file", w.path, "err", err)
				t.pf.Abort()
			}
		}
	}
	return w.liveErr()
}

// commitCopy moves a pending copy into place, making its folders first when the drive
// lacks them (a drive added since they were made).
func (p *Pool) commitCopy(ctx context.Context, v view, pf drive.Pending, path string) error {
	err := pf.Commit(ctx, true)
	if errors.Is(err, fs.ErrNotExist) {
		if err := p.ensureDirs(ctx, v, safepath.Parent(path)); err != nil {
			return err
		}
		err = pf.Commit(ctx, true)
	}
	return err
}

// ensureDirs makes dir and its missing parents on v, with the index's generations and
// times, so a drive read alone shows the same folders.
func (p *Pool) ensureDirs(ctx context.Context, v view, dir string) error {
	var missing []string
	for d := dir; d != ""; d = safepath.Parent(d) {
		_, err := v.d.Stat(ctx, d)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		var e catalog.Entry
		err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { e, err = tx.Entry(ctx, missing[i]); return err })
		if err != nil {
			return fmt.Errorf("make folder %s on drive %s: %w", missing[i], v.rec.Label, err)
		}
		if err := v.d.Mkdir(ctx, e.Path, e.ModTime, e.Gen); err != nil {
			return err
		}
	}
	return nil
}

// checkCommit re-checks, under the path's lock, that the write may land, and returns the
// file it replaces.
func (p *Pool) checkCommit(ctx context.Context, path string, ifGen *uint64) (*catalog.Entry, error) {
	var cur *catalog.Entry
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		if err := checkParent(ctx, tx, path); err != nil {
			return err
		}
		e, err := tx.Entry(ctx, path)
		switch {
		case errors.Is(err, catalog.ErrNotFound):
		case err != nil:
			return err
		case e.Dir:
			return wrapPath(path, ErrIsDir)
		default:
			cur = &e
		}
		if ifGen != nil && ((cur == nil && *ifGen != 0) || (cur != nil && cur.Gen != *ifGen)) {
			return wrapPath(path, ErrChanged)
		}
		return nil
	})
	return cur, err
}

// recordWrite retires the replaced content's other copies and records the new file, its
// block checksums and the version it replaced.
func (p *Pool) recordWrite(ctx context.Context, e catalog.Entry, cur *catalog.Entry, sums catalog.BlockSums) error {
	var old catalog.Version
	if cur != nil {
		old = catalog.Version{Path: cur.Path, Gen: cur.Gen, Size: cur.Size, ModTime: cur.ModTime, Hash: cur.Hash, Retired: p.now()}
		for _, id := range cur.Copies {
			if slices.Contains(e.Copies, id) {
				old.Copies = append(old.Copies, id) // kept by the commit itself
				continue
			}
			v, ok := p.viewOf(id)
			if !ok || !v.readable() {
				continue // a missing drive's copy turns stale; it is kept when the drive returns
			}
			if err := p.within(ctx, v, func() error { return v.d.Retire(ctx, cur.Path) }); err != nil {
				p.noteErr(ctx, v, err)
				p.needReconcile(v.id())
				p.log.Warn("could not keep the previous version on a drive", "drive", v.rec.Label, "file", cur.Path, "err", err)
				continue
			}
			old.Copies = append(old.Copies, id)
		}
	}
	p.changes.note(e.Path)
	// The copies are in place: record them even if the caller gave up meanwhile.
	ctx = context.WithoutCancel(ctx)
	err := p.commits.update(ctx, p.cat, func(tx *catalog.Tx) error {
		if err := tx.PutEntry(ctx, e); err != nil {
			return err
		}
		if e.Size > smallFile {
			if err := tx.PutBlockSums(ctx, e.Hash, sums); err != nil {
				return err
			}
		}
		if cur == nil {
			if err := tx.TouchParent(ctx, e.Path, p.now()); err != nil {
				return err
			}
		}
		if len(old.Copies) > 0 {
			if err := tx.AddVersion(ctx, old); err != nil {
				return err
			}
		}
		return tx.SetDamaged(ctx, e.Path, "", time.Time{})
	})
	if err != nil {
		// The drives hold the new file and the index does not: have them compared.
		for _, id := range e.Copies {
			p.needReconcile(id)
		}
		return err
	}
	p.changed()
	return nil
}

// lockPath takes the tree lock shared and the path's own lock.
func (p *Pool) lockPath(path string) func() {
	p.ns.RLock()
	unlock := p.paths.lock(path)
	return func() {
		unlock()
		p.ns.RUnlock()
	}
}
