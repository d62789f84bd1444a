package pool

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
// repairer rewrites it from a good copy, and it counts against its drive's health. It
// reports false, and records nothing, when the copy is no longer e's content (the file
// was replaced while it was read): that copy is not bad.
func (p *Pool) markBad(ctx context.Context, e catalog.Entry, v view, why error) bool {
	if !p.copyIsCurrent(ctx, e, v) {
		return false
	}
	p.log.Error("a copy of a file is damaged; it will be rewritten from a good copy", "file", e.Path, "drive", v.rec.Label, "err", why)
	p.recordBad(ctx, e, v)
	p.wake()
	return true
}

// copyIsCurrent reports whether the copy of e on v should still hold e's content: the
// index has e at its generation, and the copy on the drive carries that generation.
func (p *Pool) copyIsCurrent(ctx context.Context, e catalog.Entry, v view) bool {
	cur, err := p.entry(ctx, e.Path)
	if err != nil || cur.Gen != e.Gen {
		return false
	}
	st, err := v.d.Stat(ctx, e.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false
	}
	return err != nil || st.Meta.Gen == e.Gen // a disk that cannot even say is not excused
}

// learnSums reads the copy of e open as r whole, checks it against e's hash, and keeps
// the block checksums it made on the way. Readers of the same copy wait for one learner.
func (p *Pool) learnSums(ctx context.Context, e catalog.Entry, v view, r io.ReaderAt) (catalog.BlockSums, error) {
	key := hex.EncodeToString(e.Hash) + "@" + v.id()
	res, err, _ := p.learning.Do(key, func() (any, error) {
		// One byte past the size: a copy longer than the file is bad too.
		_, sums, err := checkContent(e, &ctxReader{ctx: ctx, r: io.NewSectionReader(r, 0, e.Size+1)})
		if err != nil {
			return nil, err
		}
		p.keepSums(ctx, e, sums)
		return sums, nil
	})
	if err != nil {
		return catalog.BlockSums{}, err
	}
	return res.(catalog.BlockSums), nil
}

// learnMissingSums gives every large file the index has no block checksums for (files
// from before they were kept, or found on the drives by a rebuild) its checksums, read
// from a copy in the background; a read of such a file must otherwise first read it
// whole.
func (p *Pool) learnMissingSums(ctx context.Context) error {
	var after string
	learned := 0
	for {
		var batch []catalog.Entry
		err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) {
			batch, err = tx.FilesWithoutSums(ctx, smallFile, after, 200)
			return err
		})
		if err != nil || len(batch) == 0 {
			if learned > 0 {
				p.log.Info("block checksums made for files that had none", "files", learned)
			}
			return err
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			if p.learnFrom(ctx, e) {
				learned++
			}
		}
	}
}

// learnFrom makes e's block checksums from its first good copy (a background read).
func (p *Pool) learnFrom(ctx context.Context, e catalog.Entry) bool {
	for _, v := range p.readSources(e) {
		_, s, err := p.verifyCopy(ctx, e, v)
		if err == nil {
			p.keepSums(ctx, e, s)
			return true
		}
		if errors.Is(err, errBadCopy) {
			p.markBad(ctx, e, v, err)
		}
	}
	return false
}

// recordBad notes a bad copy without waking the repairer (scrub heals it at once).
func (p *Pool) recordBad(ctx context.Context, e catalog.Entry, v view) {
	p.bad.set(badKey{v.id(), e.Path, e.Gen}, true)
	p.checked.forget(v.id(), e.Gen)
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
	if p.healFromAny(ctx, e, v) || p.healFromBlocks(ctx, e, v) {
		p.resolveBad(ctx, b)
		rep.Healed++
		return
	}
	if len(p.readSources(e)) == 0 {
		p.markDamaged(ctx, e)
	}
}

// healFromBlocks rewrites the copy of e on v from the good blocks of every copy, its own
// among them: when each copy is bad somewhere but each block is good somewhere, as ZFS
// mends a record from the copies it has. The result is checked whole against e's hash.
func (p *Pool) healFromBlocks(ctx context.Context, e catalog.Entry, v view) bool {
	if e.Size <= smallFile || (!v.writable() && v.state() != StateRemoving) {
		return false // a small file is one block: no copy is good in part
	}
	f, err := p.openEntry(ctx, e, p.sources(e.Copies))
	if err != nil {
		return false
	}
	defer f.Close()
	f.background = true
	pf, err := v.d.Create(ctx, e.Path, e.Size)
	if err != nil {
		p.noteErr(ctx, v, err)
		return false
	}
	if n, err := copyChecked(pf, &throttledReader{ctx: ctx, t: p.throttle, r: f}); err != nil || n != e.Size {
		pf.Abort()
		return false
	}
	if err := pf.Finish(ctx, e.ModTime, metaOf(e.Gen, e.Hash)); err != nil {
		pf.Abort()
		p.noteErr(ctx, v, err)
		return false
	}
	if !p.landHealed(ctx, e, v, pf) {
		return false
	}
	p.log.Info("healed a copy from the good parts of every copy", "file", e.Path, "drive", v.rec.Label)
	return true
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
