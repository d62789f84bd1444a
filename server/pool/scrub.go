package pool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/zeebo/blake3"
)

// ScrubReport says what a scrub found.
type ScrubReport struct {
	Started  time.Time
	Finished time.Time
	Files    int      // files checked
	Copies   int      // copies read
	Bytes    int64    // bytes read
	Bad      int      // copies that did not match their checksum or could not be read
	Healed   int      // bad copies rewritten from a good one
	Damaged  []string // files with no good copy left
	Skipped  int      // files skipped because they were being written
	Stopped  bool     // the scrub was interrupted; it starts over next time
}

// Scrub reads every copy of every file, compares it with the file's checksum, and heals
// a bad copy from a good one. A file whose every copy is bad is reported as damaged and
// left as it is. Reads pause while the family uses the pool, but are not held to the
// background rate: a scrub only reads (healing a copy is held to it).
func (p *Pool) Scrub(ctx context.Context) (ScrubReport, error) {
	p.scrubMu.Lock()
	defer p.scrubMu.Unlock()
	rep := ScrubReport{Started: p.now()}
	p.log.Info("scrub started")
	prog := progressOf(ctx)
	p.cat.View(ctx, func(tx *catalog.Tx) error {
		t, err := tx.Totals(ctx, "")
		prog.total(t.Files, t.Bytes)
		return err
	})
	// Files are checked by several readers at once, so that every drive is read at the
	// same time (copies are spread over the drives) and hashing uses every core.
	files := make(chan catalog.Entry, 2*scrubBatch)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range p.scrubReaders() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := drive.AlignedBuffer(scrubRead)
			for e := range files {
				if ctx.Err() != nil {
					continue // stopped: what is queued is not checked
				}
				var one ScrubReport
				p.scrubFile(ctx, e, &one, buf)
				prog.done(1, e.Size)
				mu.Lock()
				rep.add(one)
				mu.Unlock()
			}
		}()
	}
	err := p.listForScrub(ctx, files)
	close(files)
	wg.Wait()
	if err != nil {
		if ctx.Err() != nil {
			rep.Stopped = true
		}
		return rep, err
	}
	slices.Sort(rep.Damaged)
	rep.Finished = p.now()
	p.log.Info("scrub finished", "files", rep.Files, "bad", rep.Bad, "healed", rep.Healed, "damaged", len(rep.Damaged),
		"took", rep.Finished.Sub(rep.Started).Round(time.Second))
	return rep, p.saveScrub(ctx, rep)
}

const scrubBatch = 200

// listForScrub sends every file of the index, a batch at a time.
func (p *Pool) listForScrub(ctx context.Context, out chan<- catalog.Entry) error {
	var after string
	for {
		var batch []catalog.Entry
		err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { batch, err = tx.Files(ctx, "", after, scrubBatch); return err })
		if err != nil || len(batch) == 0 {
			return err
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			select {
			case out <- e:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
}

// scrubReaders is how many files a scrub reads at once: two per drive, so that each disk
// always has the next read queued, and at least one per core for the hashing.
func (p *Pool) scrubReaders() int {
	return min(max(2*len(p.views()), runtime.GOMAXPROCS(0)), 16)
}

// add counts what one file's check found into the report.
func (rep *ScrubReport) add(one ScrubReport) {
	rep.Files += one.Files
	rep.Copies += one.Copies
	rep.Bytes += one.Bytes
	rep.Bad += one.Bad
	rep.Healed += one.Healed
	rep.Damaged = append(rep.Damaged, one.Damaged...)
	rep.Skipped += one.Skipped
}

// scrubRead is the size of a scrub's reads: large enough that a disk read past the
// page cache (no read-ahead) streams, small enough that every reader may have one.
const scrubRead = 1 << 20

// scrubFile checks every copy of e, reading through buf (from drive.AlignedBuffer).
func (p *Pool) scrubFile(ctx context.Context, e catalog.Entry, rep *ScrubReport, buf []byte) {
	if p.paths.isWriting(e.Path) {
		rep.Skipped++
		return
	}
	rep.Files++
	var good, bad []view
	var sums catalog.BlockSums
	for _, v := range p.sources(e.Copies) {
		n, s, err := p.verifyCopyDirect(ctx, e, v, buf)
		rep.Copies++
		rep.Bytes += n
		switch {
		case errors.Is(err, context.Canceled):
			return
		case err == nil:
			good, sums = append(good, v), s
		case errors.Is(err, errBadCopy) && !p.copyIsCurrent(ctx, e, v):
			rep.Skipped++ // the file was replaced since this batch was read: not bad
			return
		default:
			bad = append(bad, v)
			p.log.Error("scrub: a copy is bad", "file", e.Path, "drive", v.rec.Label, "err", err)
			if errors.Is(err, errBadCopy) {
				p.recordBad(ctx, e, v) // it counts against the drive's health
			}
		}
	}
	if len(good) > 0 && e.Size > smallFile {
		p.keepSums(ctx, e, sums) // files from before block sums were kept get them now
	}
	rep.Bad += len(bad)
	if len(bad) == 0 {
		return
	}
	if len(good) == 0 {
		if p.stillCurrent(ctx, e) == nil {
			rep.Damaged = append(rep.Damaged, e.Path)
			p.markDamaged(ctx, e)
		}
		return
	}
	for _, v := range bad {
		if p.heal(ctx, e, good[0], v) {
			rep.Healed++
			p.resolveBad(ctx, catalog.BadCopy{Drive: v.id(), Path: e.Path, Gen: e.Gen})
		}
	}
}

// verifyCopy reads a copy and compares it with the index's size and hash, making its
// block checksums on the way. A copy that reads but does not match is errBadCopy; one
// that cannot be read is the drive's error.
func (p *Pool) verifyCopy(ctx context.Context, e catalog.Entry, v view) (int64, catalog.BlockSums, error) {
	return p.verifyCopyDirect(ctx, e, v, nil)
}

// verifyCopyDirect is verifyCopy reading through buf, an aligned buffer, from the disk
// itself past the page cache when the drive can (drive.DirectFile); a nil buf reads
// through the cache.
func (p *Pool) verifyCopyDirect(ctx context.Context, e catalog.Entry, v view, buf []byte) (int64, catalog.BlockSums, error) {
	n, sums, err := p.readCopy(ctx, e, v, buf)
	if buf != nil && errors.Is(err, syscall.EINVAL) {
		// A filesystem that took the switch to direct reads but refuses them (some FUSE
		// ones do): the copy is read again through the cache rather than called bad.
		n, sums, err = p.readCopy(ctx, e, v, nil)
	}
	if err != nil && !errors.Is(err, errBadCopy) {
		p.noteErr(ctx, v, err)
	}
	return n, sums, err
}

// readCopy reads e's copy on v whole and checks it, past the page cache into buf when
// buf is set and the drive can.
func (p *Pool) readCopy(ctx context.Context, e catalog.Entry, v view, buf []byte) (int64, catalog.BlockSums, error) {
	f, err := v.d.Open(ctx, e.Path)
	if err != nil {
		return 0, catalog.BlockSums{}, err
	}
	defer f.Close()
	if df, ok := f.(drive.DirectFile); !ok || buf == nil || df.Direct() != nil {
		buf = make([]byte, chunkSize)
	}
	return checkContentBuf(e, &yieldingReader{ctx: ctx, t: p.throttle, r: f}, buf)
}

// checkContent reads a copy of e's content from r whole, compares it with e's size and
// hash (errBadCopy when it differs), and makes its block checksums on the way.
func checkContent(e catalog.Entry, r io.Reader) (int64, catalog.BlockSums, error) {
	return checkContentBuf(e, r, make([]byte, chunkSize))
}

// checkContentBuf is checkContent reading into buf.
func checkContentBuf(e catalog.Entry, r io.Reader, buf []byte) (int64, catalog.BlockSums, error) {
	h, s := blake3.New(), &blockSummer{}
	n, err := copyCheckedBuf(io.MultiWriter(h, s), r, buf)
	switch {
	case err != nil:
		return n, catalog.BlockSums{}, err
	case n != e.Size:
		return n, catalog.BlockSums{}, fmt.Errorf("%w: %d bytes instead of %d", errBadCopy, n, e.Size)
	case !bytes.Equal(h.Sum(nil), e.Hash):
		return n, catalog.BlockSums{}, errBadCopy
	}
	return n, s.sums(), nil
}

// keepSums records the block checksums of e's content.
func (p *Pool) keepSums(ctx context.Context, e catalog.Entry, s catalog.BlockSums) {
	if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.PutBlockSums(ctx, e.Hash, s) }); err != nil {
		p.log.Warn("could not keep a file's block checksums", "file", e.Path, "err", err)
	}
}

// heal rewrites the bad copy on v from the good copy on src.
func (p *Pool) heal(ctx context.Context, e catalog.Entry, src, v view) bool {
	if !v.writable() && v.state() != StateRemoving {
		return false // a failing drive is not written; the repairer copies elsewhere
	}
	pf, err := p.prepareCopy(ctx, e, src, v, true)
	if err != nil {
		if errors.Is(err, errBadCopy) {
			p.markBad(ctx, e, src, err)
		}
		p.log.Warn("could not heal a copy", "file", e.Path, "drive", v.rec.Label, "err", err)
		return false
	}
	if !p.landHealed(ctx, e, v, pf) {
		return false
	}
	p.log.Info("healed a copy", "file", e.Path, "drive", v.rec.Label, "from", src.rec.Label)
	return true
}

// landHealed puts a prepared good copy of e over the bad one on v, if e is still the
// file and v still in service; otherwise it throws the copy away.
func (p *Pool) landHealed(ctx context.Context, e catalog.Entry, v view, pf drive.Pending) bool {
	unlock := p.lockPath(e.Path)
	defer unlock()
	if p.stillCurrent(ctx, e) != nil || len(p.claim([]string{v.id()})) == 0 {
		pf.Abort()
		return false
	}
	defer p.unclaim([]string{v.id()})
	if err := pf.Commit(ctx, false); err != nil {
		pf.Abort()
		p.noteErr(ctx, v, err)
		return false
	}
	return true
}

func (p *Pool) saveScrub(ctx context.Context, rep ScrubReport) error {
	b, _ := json.Marshal(rep)
	return p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetMeta(ctx, metaScrub, string(b)) })
}

// LastScrub returns the report of the last finished scrub, if any.
func (p *Pool) LastScrub(ctx context.Context) (*ScrubReport, error) {
	var s string
	err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { s, err = tx.Meta(ctx, metaScrub); return err })
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rep ScrubReport
	if err := json.Unmarshal([]byte(s), &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}
