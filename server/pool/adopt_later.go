package pool

import (
	"context"
	"sync"
	"time"
)

// Files placed on a drive by hand carry no hash: adopting them means reading them all,
// which for a disk filled on another PC takes as long as reading the disk. At start the
// pool does not wait for that: the reconcile brings the drives into service with
// everything that carries its stamp, and the files placed by hand are hashed and adopted
// in the background (Run starts it, before the repairer's first pass), in batches that
// each take the exclusive tree lock, as they would at start. Until a file is adopted it
// is not in the index: not listed, not found, not counted; a write by the family to its
// path meanwhile is the newer content (and the hand-placed one, when it is still there
// and differs, is kept as a previous version).
//
// The clean-shutdown mark is what spares the next start a reconcile, so a pool closed
// before its adoption finished (or one that left files aside because they changed while
// it ran) is not marked clean: the next start walks the drives and adopts what is left.
// A kill leaves it unmarked anyway.

// adoption is the adoption of files placed by hand that a reconcile at start left for
// later.
type adoption struct {
	run sync.Mutex // held while adopting: one at a time, and AdoptHandPlaced waits for another

	mu sync.Mutex // guards what follows (read by Close and the status, which must not wait on run)
	// pending: the reconcile whose files placed by hand are still to be adopted.
	pending *reconciler
	// waiting: how many files the adoption under way or pending has still to read.
	waiting int
	// unfinished: an adoption was cut off or left files aside; the next start must
	// reconcile.
	unfinished bool
}

// adoptLater keeps r's files placed by hand for AdoptHandPlaced. The reconcile's index
// of the whole run is not needed by the adoption: it is let go.
func (p *Pool) adoptLater(r *reconciler) {
	r.fresh = false
	r.seen, r.dirGens = map[string]map[string]bool{}, map[string]uint64{}
	r.errs = map[string]error{} // noted already
	r.resetBatch()
	p.adopt.mu.Lock()
	p.adopt.pending, p.adopt.waiting = r, len(r.hand)
	p.adopt.mu.Unlock()
}

// AdoptHandPlaced hashes and adopts the files placed on the drives by hand that the
// reconcile at start found, if they are not adopted yet, and returns when they are
// (another call doing it is waited for). Run does this in the background; "pool
// rebuild", which does not serve, calls it to finish the index before it reports.
func (p *Pool) AdoptHandPlaced(ctx context.Context) error {
	p.adopt.run.Lock()
	defer p.adopt.run.Unlock()
	p.adopt.mu.Lock()
	r := p.adopt.pending
	p.adopt.pending = nil
	p.adopt.mu.Unlock()
	if r == nil {
		return nil
	}
	start := time.Now()
	n := len(r.hand)
	err := r.adoptHandmade(ctx)
	r.noteErrs(ctx)
	p.adopt.mu.Lock()
	p.adopt.waiting = 0
	if err != nil || r.stats.skipped > 0 {
		p.adopt.unfinished = true
	}
	p.adopt.mu.Unlock()
	if err != nil {
		p.log.Warn("adopting the files placed on the drives by hand stopped; the rest are adopted at the next start",
			"err", err, "adopted", r.stats.adopted, "of", n)
		return err
	}
	p.log.Info("files placed on the drives by hand adopted", "files", n, "adopted", r.stats.adopted,
		"left_aside", r.stats.skipped, "took", time.Since(start).Round(time.Millisecond))
	p.wake()
	return nil
}

// adoptionLeft is how many files placed by hand wait to be adopted, and whether the next
// start must reconcile for the adoption's sake.
func (p *Pool) adoptionLeft() (waiting int, unfinished bool) {
	p.adopt.mu.Lock()
	defer p.adopt.mu.Unlock()
	return p.adopt.waiting, p.adopt.unfinished || p.adopt.waiting > 0
}

// adoptedSome counts n files of the adoption under way as done.
func (p *Pool) adoptedSome(n int) {
	p.adopt.mu.Lock()
	p.adopt.waiting = max(0, p.adopt.waiting-n)
	p.adopt.mu.Unlock()
}
