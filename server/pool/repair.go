package pool

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

// RepairReport says what one repair pass did.
type RepairReport struct {
	Reconciled int // drives compared with the index
	Copied     int // copies made to restore duplication
	Thinned    int // extra copies removed
	Healed     int // damaged copies rewritten from a good one
	Waiting    int // files that still lack copies (no room, or being written)
}

// runRepairer repairs whenever something happened, and now and then anyway.
func (p *Pool) runRepairer(ctx context.Context) error {
	// The files placed on the drives by hand first: a repair copying a file onto a drive
	// where one waits at its path would replace it before it is judged.
	if err := p.AdoptHandPlaced(ctx); err != nil && ctx.Err() == nil {
		p.log.Error("adopting files placed on the drives by hand failed", "err", err)
	}
	t := time.NewTicker(p.opt.RepairEvery)
	defer t.Stop()
	for {
		if _, err := p.Repair(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("repair pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.kick:
		case <-t.C:
		}
	}
}

// Repair runs one pass: drives that returned are reconciled, missing folders made, and
// every file brought to the number of copies its share wants. Passes do not overlap.
func (p *Pool) Repair(ctx context.Context) (RepairReport, error) {
	p.repairMu.Lock()
	defer p.repairMu.Unlock()
	var rep RepairReport
	for _, v := range p.toReconcile() {
		go p.reconcileOne(ctx, v)
		rep.Reconciled++
	}
	if err := p.syncDirs(ctx); err != nil {
		return rep, err
	}
	if err := p.healBadCopies(ctx, &rep); err != nil {
		return rep, err
	}
	if err := p.duplicationPass(ctx, &rep); err != nil {
		return rep, err
	}
	if rep.Copied+rep.Thinned+rep.Reconciled+rep.Healed > 0 || rep.Waiting > 0 {
		p.log.Info("repair pass", "reconciled", rep.Reconciled, "copied", rep.Copied, "thinned", rep.Thinned,
			"healed", rep.Healed, "waiting", rep.Waiting)
	}
	return rep, p.pruneTombstones(ctx)
}

// toReconcile lists present drives whose contents have not been compared with the index
// and marks them as being reconciled.
func (p *Pool) toReconcile() []view {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []view
	for _, m := range p.members {
		if m.d != nil && !m.reconciled && !m.reconciling && (m.state() != StateMissing || m.back) {
			m.reconciling = true
			out = append(out, m.view())
		}
	}
	sortViews(out)
	return out
}

// reconcileOne reconciles a drive that returned, on its own: a dying disk that hangs its
// walk must not stop the repair of the others.
func (p *Pool) reconcileOne(ctx context.Context, v view) {
	defer func() {
		p.mu.Lock()
		if m := p.members[v.id()]; m != nil {
			m.reconciling = false
		}
		p.mu.Unlock()
		p.wake()
	}()
	err := p.mergeTombstones(ctx, []view{v})
	if err == nil {
		err = p.reconcileDrives(ctx, []view{v})
	}
	if err != nil {
		if ctx.Err() == nil {
			p.log.Error("a returning drive could not be checked against the index", "drive", v.rec.Label, "err", err)
		}
		return
	}
	p.needDirs(v.id())
}

// needDirs marks a drive as needing every folder of the pool made on it.
func (p *Pool) needDirs(id string) {
	p.mu.Lock()
	if m, ok := p.members[id]; ok {
		m.needDirs = true
	}
	p.mu.Unlock()
}

// syncDirs makes every folder of the pool on drives that need them, so a drive read
// alone shows the whole tree, empty folders too.
func (p *Pool) syncDirs(ctx context.Context) error {
	for _, v := range p.views() {
		p.mu.RLock()
		need := p.members[v.id()] != nil && p.members[v.id()].needDirs
		p.mu.RUnlock()
		if !need || !v.writable() {
			continue
		}
		var dirs []catalog.Entry
		if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { dirs, err = tx.Dirs(ctx); return err }); err != nil {
			return err
		}
		failed := false
		for _, d := range dirs {
			if err := v.d.Mkdir(ctx, d.Path, d.ModTime, d.Gen); err != nil {
				p.noteErr(ctx, v, err)
				p.log.Warn("could not make a folder on a drive", "drive", v.rec.Label, "folder", d.Path, "err", err)
				failed = true
				break
			}
		}
		if !failed {
			p.mu.Lock()
			if m := p.members[v.id()]; m != nil {
				m.needDirs = false
			}
			p.mu.Unlock()
		}
	}
	return nil
}

// duplicationPass brings every file to its share's number of copies.
func (p *Pool) duplicationPass(ctx context.Context, rep *RepairReport) error {
	want := map[string]int{}
	var shares []catalog.Share
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { shares, err = tx.Shares(ctx); return err }); err != nil {
		return err
	}
	for _, s := range shares {
		want[s.Name] = p.wantCopies(s)
	}
	prog := progressOf(ctx)
	p.cat.View(ctx, func(tx *catalog.Tx) error {
		t, err := tx.Totals(ctx, "")
		prog.total(t.Files, t.Bytes)
		return err
	})
	var after string
	for {
		var batch []catalog.Entry
		if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { batch, err = tx.Files(ctx, "", after, 500); return err }); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			p.repairFile(ctx, e, want[shareOf(e.Path)], rep)
			prog.done(1, e.Size)
		}
	}
}

func (p *Pool) repairFile(ctx context.Context, e catalog.Entry, want int, rep *RepairReport) {
	healthy := p.healthyOf(e)
	switch {
	case len(healthy) == want:
	case p.paths.skipWriting(e.Path):
		rep.Waiting++ // the writer's end wakes the repairer again
	case len(healthy) < want:
		if len(p.readSources(e)) == 0 {
			rep.Waiting++ // nothing to copy from until a drive returns
			return
		}
		added := p.addCopies(ctx, e, want-len(healthy), false)
		rep.Copied += len(added)
		if len(healthy)+len(added) < want {
			rep.Waiting++
		}
	default:
		rep.Thinned += p.thin(ctx, e, healthy, len(healthy)-want)
	}
}

// thin removes n extra copies, from the fullest drives first.
func (p *Pool) thin(ctx context.Context, e catalog.Entry, healthy []string, n int) int {
	type cand struct {
		v    view
		room int64
	}
	var cands []cand
	for _, id := range healthy {
		if v, ok := p.viewOf(id); ok {
			r, _ := p.room(ctx, v)
			cands = append(cands, cand{v, r})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].room < cands[j].room })
	done := 0
	for _, c := range cands[:n] {
		if err := p.dropCopy(ctx, e, c.v); err != nil {
			if !errors.Is(err, ErrChanged) {
				p.log.Warn("could not remove an extra copy", "file", e.Path, "drive", c.v.rec.Label, "err", err)
			}
			continue
		}
		done++
	}
	return done
}

// dropCopy deletes the copy of e on v (its content is safe elsewhere) and forgets it.
func (p *Pool) dropCopy(ctx context.Context, e catalog.Entry, v view) error {
	unlock := p.lockPath(e.Path)
	defer unlock()
	if err := p.stillCurrent(ctx, e); err != nil {
		return err
	}
	if err := p.within(ctx, v, func() error { return v.d.Remove(ctx, e.Path) }); err != nil {
		return p.noteErr(ctx, v, err)
	}
	return p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.RemoveCopy(ctx, e.Path, v.id()) })
}

// pruneTombstones forgets deletes once every drive of the pool is present and agrees
// with the index: no stale copy is left anywhere for them to catch.
func (p *Pool) pruneTombstones(ctx context.Context) error {
	var n int
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		ts, err := tx.Tombstones(ctx)
		n = len(ts)
		return err
	})
	if err != nil || n == 0 {
		return err
	}
	// The drives are judged under the tree lock, which every delete holds from its
	// tombstone to its record: a delete whose retire failed (and took its drive out of
	// service) cannot slip in between this judgement and the clearing.
	p.ns.Lock()
	defer p.ns.Unlock()
	vs := p.views()
	for _, v := range vs {
		if !v.readable() {
			return nil
		}
	}
	p.mu.RLock()
	for _, m := range p.members {
		if m.unsettled {
			p.mu.RUnlock()
			return nil // a stale copy is still on a drive: its tombstone must stay
		}
	}
	p.mu.RUnlock()
	for i, err := range p.onDrives(ctx, vs, 3*p.opt.DriveTimeout, func(v view) error { return v.d.ClearTombstones(ctx) }) {
		if err != nil {
			return p.noteErr(ctx, vs[i], err)
		}
	}
	return p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.ClearTombstones(ctx) })
}
