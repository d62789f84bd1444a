package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

// ErrDamaged: every copy of a file failed its checksum. The bad bytes are never returned.
var ErrDamaged = errors.New("this file is damaged on every drive; bring it back from a previous version or a backup")

// badKey names one copy of one content of a file.
type badKey struct {
	drive, path string
	gen         uint64
}

// badCopies are the copies a read or a scrub found bad and that are not healed yet:
// reads and copies do not use them.
type badCopies struct {
	mu sync.Mutex
	m  map[badKey]bool
}

func (b *badCopies) has(k badKey) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[k]
}

func (b *badCopies) set(k badKey, bad bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bad {
		b.m[k] = true
	} else {
		delete(b.m, k)
	}
}

// loadBadCopies reads the copies waiting to be healed.
func (p *Pool) loadBadCopies(ctx context.Context) error {
	var pending []catalog.BadCopy
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { pending, err = tx.PendingBadCopies(ctx); return err }); err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	p.bad.m = map[badKey]bool{}
	for _, b := range pending {
		p.bad.m[badKey{b.Drive, b.Path, b.Gen}] = true
	}
	return nil
}

// readSources are the drives to read e from: its sources, without copies known bad.
func (p *Pool) readSources(e catalog.Entry) []view {
	return slices.DeleteFunc(p.sources(e.Copies), func(v view) bool { return p.bad.has(badKey{v.id(), e.Path, e.Gen}) })
}

// markBad records that the copy of e on v failed its checksum: reads stop using it, the
// repairer rewrites it from a good copy, and it counts against its drive's health.
func (p *Pool) markBad(ctx context.Context, e catalog.Entry, v view, why error) {
	p.log.Error("a copy of a file is damaged; it will be rewritten from a good copy", "file", e.Path, "drive", v.rec.Label, "err", why)
	p.recordBad(ctx, e, v)
	p.wake()
}

// recordBad notes a bad copy without waking the repairer (scrub heals it at once).
func (p *Pool) recordBad(ctx context.Context, e catalog.Entry, v view) {
	p.bad.set(badKey{v.id(), e.Path, e.Gen}, true)
	ctx = context.WithoutCancel(ctx)
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		return tx.AddBadCopy(ctx, catalog.BadCopy{Drive: v.id(), Path: e.Path, Gen: e.Gen, Found: p.now()})
	})
	if err != nil {
		p.log.Warn("could not record a damaged copy", "file", e.Path, "drive", v.rec.Label, "err", err)
	}
}

// resolveBad forgets a bad copy: rewritten from a good one, or no longer the file's.
func (p *Pool) resolveBad(ctx context.Context, b catalog.BadCopy) {
	p.bad.set(badKey{b.Drive, b.Path, b.Gen}, false)
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetBadCopyHealed(ctx, b.Drive, b.Path, b.Gen, p.now()) })
	if err != nil {
		p.log.Warn("could not record a healed copy", "file", b.Path, "err", err)
	}
}

// markDamaged records that no good copy of e is left, which health reports by name.
func (p *Pool) markDamaged(ctx context.Context, e catalog.Entry) {
	p.log.Error("a file is damaged on every drive; bring it back from a previous version or a backup", "file", e.Path)
	ctx = context.WithoutCancel(ctx)
	if p.stillCurrent(ctx, e) != nil {
		return
	}
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		return tx.SetDamaged(ctx, e.Path, "every copy failed its checksum", p.now())
	})
	if err != nil {
		p.log.Warn("could not record a damaged file", "file", e.Path, "err", err)
	}
}

// healBadCopies rewrites every bad copy from a good one, in a repair pass.
func (p *Pool) healBadCopies(ctx context.Context, rep *RepairReport) error {
	var pending []catalog.BadCopy
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { pending, err = tx.PendingBadCopies(ctx); return err }); err != nil {
		return err
	}
	for _, b := range pending {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.healBadCopy(ctx, b, rep)
	}
	return nil
}

func (p *Pool) healBadCopy(ctx context.Context, b catalog.BadCopy, rep *RepairReport) {
	e, err := p.entry(ctx, b.Path)
	v, known := p.viewOf(b.Drive)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && (e.Gen != b.Gen || !slices.Contains(e.Copies, b.Drive)), !known:
		p.resolveBad(ctx, b) // the file changed or went, or the drive did
		return
	case err != nil, !v.writable() && v.state() != StateRemoving:
		return // later; a drive away or failing has its files copied elsewhere anyway
	case p.paths.skipWriting(e.Path):
		rep.Waiting++
		return
	}
	if p.healFromAny(ctx, e, v) {
		p.resolveBad(ctx, b)
		rep.Healed++
		return
	}
	if len(p.readSources(e)) == 0 {
		p.markDamaged(ctx, e)
	}
}

// healFromAny rewrites the copy of e on v from the first good copy elsewhere, marking
// copies found bad on the way.
func (p *Pool) healFromAny(ctx context.Context, e catalog.Entry, v view) bool {
	for _, src := range p.readSources(e) {
		if src.id() == v.id() {
			continue
		}
		if p.heal(ctx, e, src, v) {
			return true
		}
	}
	return false
}

// pruneIntegrity forgets old healed bad copies (after 90 days: health looks back 30)
// and the block checksums of contents no file has any more.
func (p *Pool) pruneIntegrity(ctx context.Context) error {
	return p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.PruneBadCopies(ctx, p.now().Add(-90*24*time.Hour)); err != nil {
			return err
		}
		_, err := tx.PruneBlockSums(ctx)
		return err
	})
}
