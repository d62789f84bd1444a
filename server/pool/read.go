package pool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/zeebo/blake3"
)

// smallFile: a file this small is read whole and checked against its BLAKE3 hash before
// its first byte is returned.
const smallFile = chunkSize

// File is a file of the pool open for reading. It returns only bytes that passed their
// checksum: each block is checked against its CRC-32C before it is returned, a small file
// whole against its BLAKE3 hash. A copy whose block fails is marked bad (the repairer
// rewrites it) and the block is read from another copy, as when a drive fails mid-read;
// only a block bad on every copy fails the read (ErrDamaged). A read in order from the
// start is checked against the BLAKE3 hash too, and its last block is held back unless it
// matches. It shows the content it was opened with; if the file is replaced meanwhile,
// reads fail with ErrChanged. Not safe for concurrent use.
type File struct {
	p    *Pool
	ctx  context.Context // the opener's: a learn of block sums stops with it
	info FileInfo
	e    catalog.Entry
	sums *catalog.BlockSums // nil until known (small files do without)
	srcs []view             // the copies, tried in turn
	src  int                // the copy f reads
	f    drive.ReadFile     // nil until opened
	off  int64

	buf    []byte         // the checked block at bufOff (a small file: all of it)
	bufOff int64          // -1: none
	whole  *blake3.Hasher // nil until a large file is read in order
	hashed int64          // bytes of a read in order hashed so far; -1 once the reads left order
	err    error          // once a read in order failed its hash, every later read fails
	closed bool
	// background: the pool reads for itself (healing), throttled by its caller; its
	// reads must not count as the family's, which background work yields to.
	background bool
}

// Open opens a file for reading. Its Info leaves Wanted unset: opening a file costs one
// index lookup.
func (p *Pool) Open(ctx context.Context, path string) (*File, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return nil, err
	}
	e, err := p.entry(ctx, path)
	if err != nil {
		return nil, err
	}
	if e.Dir {
		return nil, wrapPath(path, ErrIsDir)
	}
	srcs := p.readSources(e)
	if len(srcs) == 0 {
		if len(p.sources(e.Copies)) > 0 {
			return nil, fmt.Errorf("%s: %w", path, ErrDamaged)
		}
		return nil, fmt.Errorf("%s: %w: every drive holding it is missing; reconnect the drive", path, ErrNotFound)
	}
	return p.openEntry(ctx, e, srcs)
}

// openEntry opens the content e of a file for reading from the copies on srcs.
func (p *Pool) openEntry(ctx context.Context, e catalog.Entry, srcs []view) (*File, error) {
	f := &File{p: p, ctx: ctx, info: p.infoOf(e, 0), e: e, srcs: srcs, bufOff: -1}
	if err := f.loadSums(ctx); err != nil {
		return nil, err
	}
	if err := f.openFirst(); err != nil {
		return nil, err
	}
	return f, nil
}

// loadSums reads the content's block checksums from the index, if it has them.
func (f *File) loadSums(ctx context.Context) error {
	if f.e.Size <= smallFile || f.p.opt.TrustReads {
		return nil // checked whole, or (benchmarks) not at all
	}
	var s catalog.BlockSums
	err := f.p.cat.View(ctx, func(tx *catalog.Tx) (err error) { s, err = tx.BlockSums(ctx, f.e.Hash); return err })
	switch {
	case err == nil && usableSums(s, f.e.Size):
		f.sums = &s
	case err != nil && !errors.Is(err, catalog.ErrNotFound):
		return fmt.Errorf("%s: %w", f.e.Path, err)
	}
	return nil
}

// openFirst opens the first copy that opens.
func (f *File) openFirst() error {
	var last error
	for i := range f.srcs {
		if err := f.use(i); err != nil {
			last = err
			continue
		}
		return nil
	}
	return fmt.Errorf("%s: no copy could be read: %w", f.info.Path, last)
}

// use makes copy i the one read, opening it.
func (f *File) use(i int) error {
	if f.f != nil && f.src == i {
		return nil
	}
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	f.src = i
	v := f.srcs[i]
	rf, err := v.d.Open(f.ctx, f.info.Path)
	if err != nil {
		return f.p.noteErr(f.ctx, v, err)
	}
	f.f = rf
	return nil
}

// Info describes the file as it was opened.
func (f *File) Info() FileInfo { return f.info }

// ReadAt reads checked bytes, from another copy where one fails.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	if !f.background {
		f.p.throttle.foreground()
	}
	n := 0
	for n < len(b) {
		pos := off + int64(n)
		if pos >= f.e.Size {
			return n, io.EOF
		}
		blk, err := f.at(pos)
		if err != nil {
			return n, err
		}
		n += copy(b[n:], blk)
	}
	return n, nil
}

// at returns the checked bytes from pos to the end of the block that holds it.
func (f *File) at(pos int64) ([]byte, error) {
	if f.bufOff < 0 || pos < f.bufOff || pos >= f.bufOff+int64(len(f.buf)) {
		if err := f.load(pos); err != nil {
			return nil, err
		}
	}
	return f.buf[pos-f.bufOff:], nil
}

// load reads and checks the block that holds pos (a small file: all of it), from the
// copy in use or, where that fails, from each other copy in turn.
func (f *File) load(pos int64) error {
	if f.closed {
		return fmt.Errorf("%s: %w", f.info.Path, errClosed)
	}
	if f.err != nil {
		return f.err
	}
	if err := f.ensureSums(); err != nil {
		return err
	}
	start, end := pos&^(blockSize-1), min((pos&^(blockSize-1))+blockSize, f.e.Size)
	if f.e.Size <= smallFile {
		start, end = 0, f.e.Size
	}
	if f.buf == nil {
		f.buf = f.p.chunk()
	}
	f.bufOff = -1 // the buffer is overwritten now
	buf := f.buf[:end-start]
	bad, failed := 0, 0
	var last error
	for tries := 0; tries < len(f.srcs); tries++ {
		i := (f.src + tries) % len(f.srcs)
		err := f.use(i)
		if err == nil {
			err = f.readBlock(start, buf)
		}
		switch {
		case err == nil:
			f.buf, f.bufOff = buf, start
			return f.hashInOrder(start, buf)
		case errors.Is(err, errBadCopy):
			if !f.p.markBad(f.ctx, f.e, f.srcs[i], err) {
				return f.changed()
			}
			bad++
		default:
			f.p.noteErr(f.ctx, f.srcs[i], err)
			f.p.log.Warn("a read failed; reading another copy", "file", f.info.Path, "drive", f.srcs[i].rec.Label, "err", err)
			failed++
		}
		last = err
	}
	if bad > 0 && failed == 0 {
		f.p.markDamaged(f.ctx, f.e)
		return fmt.Errorf("%s: %w", f.info.Path, ErrDamaged)
	}
	return fmt.Errorf("%s: no copy could be read: %w", f.info.Path, last)
}

// readBlock reads the block at start into buf from the copy in use and checks it.
func (f *File) readBlock(start int64, buf []byte) error {
	if f.e.Size <= smallFile && !f.p.opt.TrustReads && f.readChecked(buf) {
		return nil // checked a moment ago, and all of it came from memory (checked.go)
	}
	k, err := f.f.ReadAt(buf, start)
	switch {
	case k == len(buf):
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: the copy is shorter than the file", errBadCopy)
	default:
		return err
	}
	switch {
	case f.p.opt.TrustReads:
	case f.e.Size <= smallFile:
		if sum := blake3.Sum256(buf); !bytes.Equal(sum[:], f.e.Hash) {
			// Its damaged bytes may be in memory now: never skip a check of them.
			f.p.checked.forget(f.srcs[f.src].id(), f.e.Gen)
			return errBadCopy
		}
		f.noteChecked()
	case crc32.Checksum(buf, crc32c) != f.sums.CRCs[start>>blockShift]:
		return fmt.Errorf("%w: block at %d", errBadCopy, start)
	}
	return nil
}

// hashInOrder adds a block to the whole-content hash of a read that runs in order, and
// checks that hash at the end, before the last block is returned. Every block passed its
// CRC already; this catches what a CRC cannot (and is cheap beside the disk).
func (f *File) hashInOrder(start int64, buf []byte) error {
	if start != f.hashed || f.e.Size <= smallFile || f.p.opt.TrustReads {
		if start > f.hashed {
			f.hashed = -1 // the read skipped ahead: no whole hash for it
		}
		return nil
	}
	if f.whole == nil { // made here: a small file, checked whole, never needs one
		f.whole = blake3.New()
	}
	f.whole.Write(buf)
	f.hashed += int64(len(buf))
	if f.hashed == f.e.Size && !bytes.Equal(f.whole.Sum(nil), f.e.Hash) {
		f.bufOff = -1
		if !f.p.markBad(f.ctx, f.e, f.srcs[f.src], errBadCopy) {
			return f.changed()
		}
		f.err = fmt.Errorf("%s: %w: a copy was damaged; read the file again", f.info.Path, errBadCopy)
		return f.err
	}
	return nil
}

// changed fails the read of a file replaced while it was read.
func (f *File) changed() error {
	f.err = fmt.Errorf("%s: %w while it was read; read it again", f.info.Path, ErrChanged)
	return f.err
}

// ensureSums learns the block checksums of a large file the index has none for (one
// from before they were kept, or found on a drive) before the first block is returned:
// a copy is read whole and checked against the content's hash, once for all readers.
func (f *File) ensureSums() error {
	if f.sums != nil || f.e.Size <= smallFile || f.p.opt.TrustReads {
		return nil
	}
	bad := 0
	var last error
	for tries := 0; tries < len(f.srcs); tries++ {
		i := (f.src + tries) % len(f.srcs)
		if err := f.use(i); err != nil {
			last = err
			continue
		}
		s, err := f.p.learnSums(f.ctx, f.e, f.srcs[i], f.f)
		if err == nil {
			f.sums = &s
			return nil
		}
		if errors.Is(err, errBadCopy) {
			if !f.p.markBad(f.ctx, f.e, f.srcs[i], err) {
				return f.changed()
			}
			bad++
		}
		last = err
	}
	if bad == len(f.srcs) {
		f.p.markDamaged(f.ctx, f.e)
		return fmt.Errorf("%s: %w", f.info.Path, ErrDamaged)
	}
	return fmt.Errorf("%s: no copy could be read: %w", f.info.Path, last)
}

var errClosed = errors.New("file is closed")

func (f *File) Read(b []byte) (int, error) {
	n, err := f.ReadAt(b, f.off)
	f.off += int64(n)
	if errors.Is(err, io.EOF) && n > 0 {
		err = nil
	}
	return n, err
}

// WriteTo copies the rest of the file to w a checked block at a time (io.Copy would
// otherwise read in the small steps its destination asks for).
func (f *File) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for f.off < f.e.Size {
		if !f.background {
			f.p.throttle.foreground()
		}
		blk, err := f.at(f.off)
		if err != nil {
			return n, err
		}
		k, err := w.Write(blk)
		n += int64(k)
		f.off += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Seek sets the offset for the next Read.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.Size
	default:
		return 0, fmt.Errorf("seek: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek: negative offset")
	}
	f.off = offset
	return offset, nil
}

// Close releases the copy.
func (f *File) Close() error {
	f.closed = true
	if f.buf != nil {
		b := f.buf[:0]
		f.p.chunks.Put(&b)
		f.buf = nil
	}
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}
