package pool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/zeebo/blake3"
)

// errBadCopy: the bytes read from a copy do not match the file's hash.
var errBadCopy = errors.New("the copy does not match its checksum")

// copyError says which side of a copy failed.
type copyError struct {
	src bool
	err error
}

func (e *copyError) Error() string {
	side := "write"
	if e.src {
		side = "read"
	}
	return side + ": " + e.err.Error()
}

func (e *copyError) Unwrap() error { return e.err }

// prepareCopy copies e's content from src into a pending copy on dst, checking the hash
// as the bytes pass. Background copies go through the throttle.
func (p *Pool) prepareCopy(ctx context.Context, e catalog.Entry, src, dst view, background bool) (drive.Pending, error) {
	f, err := src.d.Open(ctx, e.Path)
	if err != nil {
		return nil, &copyError{src: true, err: err}
	}
	defer f.Close()
	pf, err := dst.d.Create(ctx, e.Path, e.Size)
	if err != nil {
		return nil, &copyError{err: err}
	}
	h := blake3.New()
	var r io.Reader = &ctxReader{ctx: ctx, r: f}
	if background {
		r = &throttledReader{ctx: ctx, t: p.throttle, r: f}
	}
	n, err := copyChecked(pf, io.TeeReader(r, h))
	if err == nil && (n != e.Size || !bytes.Equal(h.Sum(nil), e.Hash)) {
		err = &copyError{src: true, err: fmt.Errorf("%w (%s on drive %s)", errBadCopy, e.Path, src.rec.Label)}
	}
	if err == nil {
		if ferr := pf.Finish(ctx, e.ModTime, metaOf(e.Gen, e.Hash)); ferr != nil {
			err = &copyError{err: ferr}
		}
	}
	if err != nil {
		pf.Abort()
		return nil, err
	}
	return pf, nil
}

// copyChecked copies like io.Copy but says which side failed.
func copyChecked(w io.Writer, r io.Reader) (int64, error) {
	return copyCheckedBuf(w, r, make([]byte, chunkSize))
}

// copyCheckedBuf is copyChecked reading into buf whole each time.
func copyCheckedBuf(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		k, rerr := r.Read(buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, &copyError{err: werr}
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, &copyError{src: true, err: rerr}
		}
	}
}

// sources lists the drives a copy of e can be read from, healthy ones first.
func (p *Pool) sources(copies []string) []view {
	var good, poor []view
	for _, v := range p.views() { // in the order the drives were added: reads are predictable
		switch {
		case !slices.Contains(copies, v.id()) || !v.readable():
		case v.state() == StateActive:
			good = append(good, v)
		default:
			poor = append(poor, v)
		}
	}
	return append(good, poor...)
}

// addCopies makes up to need more copies of e on drives that hold none, and returns the
// drives that got one. fg marks the write path: the caller holds e's path lock and the
// copy is not throttled; otherwise the copy is checked against the index under the lock
// before it lands, and dropped if the file changed meanwhile.
func (p *Pool) addCopies(ctx context.Context, e catalog.Entry, need int, fg bool) []string {
	var added, tried []string
	for len(added) < need {
		dsts, err := p.place(ctx, 1, e.Size, nil, slices.Concat(e.Copies, added, tried))
		if err != nil || len(dsts) == 0 {
			if err != nil && !errors.Is(err, ErrPoolFull) && !errors.Is(err, ErrNoDrives) {
				p.log.Warn("cannot place another copy", "file", e.Path, "err", err)
			}
			break
		}
		dst := dsts[0]
		tried = append(tried, dst.id())
		if p.copyOnto(ctx, e, dst, fg) {
			added = append(added, dst.id())
		}
	}
	return added
}

// copyOnto copies e to dst from the first source that gives good bytes.
func (p *Pool) copyOnto(ctx context.Context, e catalog.Entry, dst view, fg bool) bool {
	for _, src := range p.readSources(e) {
		pf, err := p.prepareCopy(ctx, e, src, dst, !fg)
		var ce *copyError
		if errors.As(err, &ce) && ce.src {
			if errors.Is(err, errBadCopy) {
				p.markBad(ctx, e, src, err)
			}
			p.noteErr(ctx, src, err)
			p.log.Warn("a copy could not be read; trying another", "file", e.Path, "drive", src.rec.Label, "err", err)
			continue
		}
		if err != nil {
			p.noteErr(ctx, dst, err)
			p.log.Warn("could not copy a file onto a drive", "file", e.Path, "drive", dst.rec.Label, "err", err)
			return false
		}
		if err := p.landCopy(ctx, e, dst, pf, fg); err != nil {
			pf.Abort()
			if !errors.Is(err, ErrChanged) {
				p.noteErr(ctx, dst, err)
				p.log.Warn("could not place a copy", "file", e.Path, "drive", dst.rec.Label, "err", err)
			}
			return false
		}
		return true
	}
	return false
}

// landCopy commits a prepared copy and records it.
func (p *Pool) landCopy(ctx context.Context, e catalog.Entry, dst view, pf drive.Pending, fg bool) error {
	if len(p.claim([]string{dst.id()})) == 0 {
		return wrapPath(e.Path, ErrChanged) // the drive left service meanwhile
	}
	defer p.unclaim([]string{dst.id()})
	if !fg {
		unlock := p.lockPath(e.Path)
		defer unlock()
		if err := p.stillCurrent(ctx, e); err != nil {
			return err
		}
		// Another worker (the repairer, an evacuation) may have copied it there already.
		if copies, err := p.copiesOf(ctx, e.Path); err != nil || slices.Contains(copies, dst.id()) {
			return wrapPath(e.Path, ErrChanged)
		}
	}
	if err := p.commitCopy(ctx, dst, pf, e.Path); err != nil {
		return err
	}
	return p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.AddCopy(ctx, e.Path, dst.id()) })
}

// stillCurrent checks that the index still holds e's content at e's path, and that no
// one is writing it (the writer's end then wakes the repairer, to look at it again).
func (p *Pool) stillCurrent(ctx context.Context, e catalog.Entry) error {
	if p.paths.skipWriting(e.Path) {
		return wrapPath(e.Path, ErrChanged)
	}
	return p.cat.View(ctx, func(tx *catalog.Tx) error {
		cur, err := tx.Entry(ctx, e.Path)
		if err != nil || cur.Gen != e.Gen || !bytes.Equal(cur.Hash, e.Hash) {
			return wrapPath(e.Path, ErrChanged)
		}
		return nil
	})
}

// metaOf builds a drive's metadata from an index record.
func metaOf(gen uint64, hash []byte) drive.Meta {
	m := drive.Meta{Gen: gen}
	copy(m.Hash[:], hash)
	return m
}
