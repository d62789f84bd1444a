package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"golang.org/x/sync/errgroup"
)

// Reconciling compares what drives hold with the index and makes them agree. The drives
// are the truth, judged by generations:
//
//   - A copy's effective generation is the highest of its own and its folders' on that
//     drive (a folder moved at generation g brings everything in it to g).
//   - A copy older than a tombstone covering its path was deleted while its drive was
//     away: it is moved to the versions area.
//   - Of two contents at one path, the higher effective generation wins; the other is
//     kept as a previous version. Equal generations with equal hashes are copies.
//   - Anything without Hearth's metadata was copied onto the drive by hand: it is
//     hashed and adopted, or kept as a version when the pool has other content there.
//
// Nothing is ever deleted outright by reconciling: a loser becomes a version.

// item is one thing a walker found.
type item struct {
	v   view
	e   drive.Entry
	eff uint64
}

const reconcileBatch = 5000

// reconcileDrives walks the given drives in parallel and reconciles them with the index,
// then brings them into service. The drives are out of service meanwhile; changes the
// family makes during the walk are noted and judged again at the end (settle).
func (p *Pool) reconcileDrives(ctx context.Context, vs []view) error {
	return p.reconcile(ctx, vs, false)
}

// reconcile is reconcileDrives; with handLater, the files placed on the drives by hand
// are adopted after it returns, by adoptLater, so that the pool serves while they are
// read (see adopt_later.go).
func (p *Pool) reconcile(ctx context.Context, vs []view, handLater bool) error {
	start := time.Now()
	// The change log starts and the index is read under the exclusive tree lock: every
	// change is either complete in what the reconciler reads, or noted and judged again
	// at the settle. A delete that noted its path before the log started but recorded its
	// tombstone after the index was read would otherwise be undone: its stale copies on
	// the drive would be adopted as new files.
	p.ns.Lock()
	p.changes.begin()
	r, err := p.newReconciler(ctx)
	p.ns.Unlock()
	defer p.changes.end()
	if err != nil {
		return err
	}
	for _, v := range vs {
		r.views[v.id()] = v
		if err := p.drain(ctx, v.id()); err != nil { // copies still landing from before
			return err
		}
	}
	for _, t := range r.renames {
		for _, v := range vs {
			r.replayRename(ctx, v, t)
		}
	}
	if err := r.walkAll(ctx, vs); err != nil {
		return fmt.Errorf("reconcile drives: %w", err)
	}
	if err := r.settle(ctx, vs); err != nil {
		return err
	}
	if err := p.raiseGen(ctx, r.maxGen); err != nil {
		return err
	}
	if handLater && len(r.hand) > 0 {
		r.noteErrs(ctx)
		p.log.Info("drives reconciled with the index; files placed on them by hand are adopted while the pool serves",
			"drives", len(vs), "copies", r.stats.copies, "by_hand", len(r.hand), "stale", r.stats.stale,
			"took", time.Since(start).Round(time.Millisecond))
		p.adoptLater(r)
		p.wake()
		return nil
	}
	if err := r.adoptHandmade(ctx); err != nil {
		return err
	}
	r.noteErrs(ctx)
	p.log.Info("drives reconciled with the index", "drives", len(vs), "copies", r.stats.copies,
		"adopted", r.stats.adopted, "stale", r.stats.stale, "took", time.Since(start).Round(time.Millisecond))
	p.wake()
	return nil
}

// walkAll walks the drives in parallel into one consumer.
func (r *reconciler) walkAll(ctx context.Context, vs []view) error {
	items := make(chan item, 4*reconcileBatch)
	g, gctx := errgroup.WithContext(ctx)
	walkers, wctx := errgroup.WithContext(gctx)
	for _, v := range vs {
		walkers.Go(func() error { return r.p.walkDrive(wctx, v, items) })
	}
	g.Go(func() error {
		defer close(items)
		return walkers.Wait()
	})
	g.Go(func() error {
		if !r.fresh {
			return r.consume(gctx, items)
		}
		return r.p.cat.BulkLoad(gctx, func() error { return r.consume(gctx, items) })
	})
	return g.Wait()
}

// settle ends a reconcile under the exclusive tree lock: renames and deletes made during
// the walk are finished on the drives, the paths changed meanwhile are judged again, the
// copies the index expected but the drives lack are forgotten, and the drives go into
// service, all before any other change can come between.
func (r *reconciler) settle(ctx context.Context, vs []view) error {
	r.p.ns.Lock()
	defer r.p.ns.Unlock()
	if err := r.loadIndex(ctx); err != nil {
		return err
	}
	for _, t := range r.renames {
		if t.Gen >= r.startGen {
			for _, v := range vs {
				r.replayRename(ctx, v, t)
			}
		}
	}
	r.settling = true
	for _, path := range r.p.changes.list() {
		for _, v := range vs {
			if err := r.rewalk(ctx, v, path); err != nil {
				return err
			}
		}
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	for _, v := range vs {
		if err := r.finishDrive(ctx, v); err != nil {
			return fmt.Errorf("reconcile drive %s: %w", v.rec.Label, err)
		}
		r.p.markReconciled(ctx, v.id(), r.errs[v.id()] != nil)
	}
	return nil
}

// rewalk judges again everything at or below path on v.
func (r *reconciler) rewalk(ctx context.Context, v view, path string) error {
	if _, err := v.d.Stat(ctx, path); err != nil {
		return nil // not on this drive
	}
	var parentEff uint64
	safepath.Ancestors(path, func(a string) {
		if d, err := v.d.Stat(ctx, a); err == nil {
			parentEff = max(parentEff, d.Meta.Gen)
		}
	})
	dirEff := map[string]uint64{safepath.Parent(path): parentEff}
	return v.d.Walk(ctx, path, func(e drive.Entry) error {
		eff := max(e.Meta.Gen, dirEff[safepath.Parent(e.Path)])
		if e.Kind == drive.Dir {
			dirEff[e.Path] = eff
		}
		return r.apply(ctx, item{v: v, e: e, eff: eff})
	})
}

// walkDrive sends every item of a drive's shares, with its effective generation.
func (p *Pool) walkDrive(ctx context.Context, v view, out chan<- item) error {
	dirEff := map[string]uint64{}
	err := v.d.Walk(ctx, "", func(e drive.Entry) error {
		parent := safepath.Parent(e.Path)
		if parent == "" && (e.Kind != drive.Dir || safepath.ShareName(e.Path) != nil) {
			p.log.Warn("ignoring an item that is not a share folder", "drive", v.rec.Label, "item", e.Path)
			return drive.SkipDir
		}
		eff := max(e.Meta.Gen, dirEff[parent])
		if e.Kind == drive.Dir {
			dirEff[e.Path] = eff
		}
		select {
		case out <- item{v: v, e: e, eff: eff}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		return fmt.Errorf("walk drive %s: %w", v.rec.Label, err)
	}
	return nil
}

// markReconciled brings a reconciled drive into service. unsettled says some stale copy
// could not be moved aside: the tombstones that judge it are kept.
func (p *Pool) markReconciled(ctx context.Context, id string, unsettled bool) {
	p.mu.Lock()
	m, ok := p.members[id]
	if ok {
		m.reconciled, m.returned, m.back, m.unsettled = true, false, false, unsettled
	}
	p.mu.Unlock()
	if ok && m.state() == StateMissing {
		p.setState(ctx, id, StateActive, "")
	}
}

// mergeTombstones adds the deletes recorded on drives to the index: after a power cut
// the drives' logs may know deletes the catalog lost.
func (p *Pool) mergeTombstones(ctx context.Context, vs []view) error {
	var all []drive.Tombstone
	for _, v := range vs {
		ts, err := v.d.ReadTombstones(ctx)
		if err != nil {
			return fmt.Errorf("read deletes on drive %s: %w", v.rec.Label, err)
		}
		all = append(all, ts...)
	}
	return p.cat.Update(ctx, func(tx *catalog.Tx) error {
		for _, t := range all {
			if err := tx.AddTombstone(ctx, catalog.Tombstone{Path: t.Path, Gen: t.Gen, At: t.At, To: t.To, FromGen: t.FromGen}); err != nil {
				return err
			}
		}
		return nil
	})
}

// reconciler holds the state of one reconcile run.
type reconciler struct {
	p       *Pool
	tombs   map[string]uint64
	renames []catalog.Tombstone        // oldest first
	dirGens map[string]uint64          // folders of the index: path -> generation
	overlay map[string]*catalog.Entry  // index changes of the current batch (of the run, when fresh)
	dirty   map[string]bool            // overlay entries to write
	gone    map[string]bool            // overlay paths to remove from the index
	seen    map[string]map[string]bool // drive -> paths confirmed there
	stale   map[string]map[string]bool // drive -> folders found stale
	vers    []catalog.Version          // versions to record
	hand    []item                     // items without metadata, adopted at the end
	errs    map[string]error           // drive -> last error, noted at the end
	shares  map[string]bool            // shares known to exist
	views   map[string]view            // the drives being reconciled
	newShr  []string                   // shares found only on drives
	now     time.Time
	// skipped: files placed by hand left aside by their adoption (changed while hashed,
	// unreadable, or not stamped), judged again at a later reconcile.
	stats struct{ copies, adopted, stale, skipped int }
	// fresh: the index held no file or folder when the run began (a rebuild), so the
	// overlay keeps every entry of the run and no lookup needs the database.
	fresh bool
	// startGen: generations from here on were handed out during this run.
	startGen uint64
	// maxGen: the highest generation seen on the drives or in their deletes.
	maxGen uint64
	// settling: the final pass, under the exclusive tree lock; nothing is deferred.
	settling bool
}

func (p *Pool) newReconciler(ctx context.Context) (*reconciler, error) {
	r := &reconciler{
		p: p, seen: map[string]map[string]bool{}, stale: map[string]map[string]bool{},
		errs: map[string]error{}, views: map[string]view{}, now: p.now(),
	}
	p.gen.mu.Lock()
	r.startGen = p.gen.next
	p.gen.mu.Unlock()
	r.resetBatch()
	if err := r.loadIndex(ctx); err != nil {
		return nil, err
	}
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		t, err := tx.Totals(ctx, "")
		r.fresh = t.Files+t.Dirs == 0
		return err
	})
	return r, err
}

// loadIndex reads what judging needs from the index: deletes, renames, folders, shares.
func (r *reconciler) loadIndex(ctx context.Context) error {
	r.tombs, r.renames, r.dirGens, r.shares = map[string]uint64{}, nil, map[string]uint64{}, map[string]bool{}
	return r.p.cat.View(ctx, func(tx *catalog.Tx) error {
		ts, err := tx.Tombstones(ctx)
		if err != nil {
			return err
		}
		for _, t := range ts {
			r.tombs[t.Path] = t.Gen
			r.maxGen = max(r.maxGen, t.Gen)
			if t.To != "" {
				r.renames = append(r.renames, t)
			}
		}
		dirs, err := tx.Dirs(ctx)
		if err != nil {
			return err
		}
		for _, d := range dirs {
			r.dirGens[d.Path] = d.Gen
		}
		shares, err := tx.Shares(ctx)
		for _, s := range shares {
			r.shares[s.Name] = true
		}
		return err
	})
}

func (r *reconciler) resetBatch() {
	if r.overlay == nil || !r.fresh {
		r.overlay = map[string]*catalog.Entry{}
	}
	r.dirty, r.gone = map[string]bool{}, map[string]bool{}
	r.vers = nil
}

// consume applies items in batches; each batch holds the tree lock so foreground changes
// never interleave with a decision and its record. A batch is written when it is full, or
// as soon as the walkers have nothing waiting (so walking and writing overlap).
func (r *reconciler) consume(ctx context.Context, items <-chan item) error {
	batch := make([]item, 0, reconcileBatch)
	for open := true; open; {
		it, ok := <-items
		if !ok {
			open = false
		} else {
			batch = append(batch, it)
		}
		idle := len(items) == 0 && len(batch) >= reconcileBatch/10
		if len(batch) == reconcileBatch || idle || (!open && len(batch) > 0) {
			if err := r.applyBatch(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

func (r *reconciler) applyBatch(ctx context.Context, batch []item) error {
	r.p.ns.Lock()
	defer r.p.ns.Unlock()
	for _, it := range batch {
		if err := r.apply(ctx, it); err != nil {
			return err
		}
	}
	return r.flush(ctx)
}

// lookup returns the index entry at path, as changed by this batch so far.
func (r *reconciler) lookup(ctx context.Context, path string) (*catalog.Entry, error) {
	if r.gone[path] {
		return nil, nil
	}
	if e, ok := r.overlay[path]; ok {
		return e, nil
	}
	if r.fresh {
		return nil, nil // everything in the index came from this run, and is in the overlay
	}
	var e catalog.Entry
	err := r.p.cat.View(ctx, func(tx *catalog.Tx) (err error) { e, err = tx.Entry(ctx, path); return err })
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.overlay[path] = &e
	return &e, nil
}

func (r *reconciler) put(e *catalog.Entry) {
	delete(r.gone, e.Path)
	r.overlay[e.Path] = e
	r.dirty[e.Path] = true
	if e.Dir {
		r.dirGens[e.Path] = e.Gen
	}
}

func (r *reconciler) flush(ctx context.Context) error {
	err := r.p.cat.Update(ctx, func(tx *catalog.Tx) error {
		for _, name := range r.newShr {
			if err := tx.PutShare(ctx, catalog.Share{Name: name, Created: r.now}); err != nil {
				return err
			}
		}
		for path := range r.gone {
			if err := tx.DeleteTree(ctx, path); err != nil {
				return err
			}
		}
		es := make([]catalog.Entry, 0, len(r.dirty))
		for path := range r.dirty {
			es = append(es, *r.overlay[path])
		}
		// In path order, the index's B-tree is written page after page.
		slices.SortFunc(es, func(a, b catalog.Entry) int { return strings.Compare(a.Path, b.Path) })
		if err := tx.PutEntries(ctx, es); err != nil {
			return err
		}
		for _, v := range r.vers {
			if err := tx.AddVersion(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.newShr = nil
	r.resetBatch()
	return nil
}

// covering is the newest delete of path or a folder above it.
func (r *reconciler) covering(path string) uint64 {
	g := r.tombs[path]
	safepath.Ancestors(path, func(a string) { g = max(g, r.tombs[a]) })
	return g
}

// catEff is the effective generation of an index entry.
func (r *reconciler) catEff(e *catalog.Entry) uint64 {
	g := e.Gen
	safepath.Ancestors(e.Path, func(a string) { g = max(g, r.dirGens[a]) })
	return g
}

func (r *reconciler) underStale(v view, path string) bool {
	st := r.stale[v.id()]
	found := false
	safepath.Ancestors(path, func(a string) { found = found || st[a] })
	return found
}

func (r *reconciler) markSeen(v view, path string) {
	if r.fresh {
		return // only dropUnseen reads it, and a rebuild has nothing to drop: spare a map of every path
	}
	if r.seen[v.id()] == nil {
		r.seen[v.id()] = map[string]bool{}
	}
	r.seen[v.id()][path] = true
}

func (r *reconciler) noteErr(v view, err error) {
	r.errs[v.id()] = err
	r.p.log.Warn("reconcile: drive operation failed", "drive", v.rec.Label, "err", err)
}

func (r *reconciler) noteErrs(ctx context.Context) {
	for id, err := range r.errs {
		if v, ok := r.p.viewOf(id); ok {
			r.p.noteErr(ctx, v, err)
		}
	}
}

// drive returns a drive to act on: one being reconciled, or one in service.
func (r *reconciler) drive(id string) (view, bool) {
	if v, ok := r.views[id]; ok {
		return v, true
	}
	v, ok := r.p.viewOf(id)
	return v, ok && v.readable()
}

// replayRename finishes on v a rename that v missed (it was away, or a crash cut the
// rename off): the very item that was renamed (its generation is the one recorded, or the
// rename's own when the crash came after its stamp) is moved to t.To, unless something
// newer is there. Done before the walk, the moved item is then judged at its new path;
// any other content at t.Path is judged stale in the ordinary way.
func (r *reconciler) replayRename(ctx context.Context, v view, t catalog.Tombstone) {
	src, err := v.d.Stat(ctx, t.Path)
	if err != nil || src.Kind == drive.Other || (src.Meta.Gen != t.FromGen && src.Meta.Gen != t.Gen) ||
		r.effOnDrive(ctx, v, t.Path, src) > t.Gen {
		return
	}
	if dst, err := v.d.Stat(ctx, t.To); err == nil && (dst.Kind != drive.File || src.Kind == drive.Dir || dst.Meta.Gen >= t.Gen) {
		return
	}
	if parent, err := v.d.Stat(ctx, safepath.Parent(t.To)); err != nil || parent.Kind != drive.Dir {
		return // its new folder is not on this drive; the copy is judged stale instead
	}
	if err := v.d.Rename(ctx, t.Path, t.To, t.Gen); err != nil {
		r.noteErr(v, err)
		return
	}
	r.p.log.Info("finished a rename on a drive that missed it", "drive", v.rec.Label, "from", t.Path, "to", t.To)
}

// effOnDrive is the effective generation of an item on a drive: its own, or a folder's
// above it that came later.
func (r *reconciler) effOnDrive(ctx context.Context, v view, path string, e drive.Entry) uint64 {
	g := e.Meta.Gen
	safepath.Ancestors(path, func(a string) {
		if d, err := v.d.Stat(ctx, a); err == nil {
			g = max(g, d.Meta.Gen)
		}
	})
	return g
}
