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
// whole against its BLAKE3 hash. A copy that fails is marked bad (the repairer rewrites
// it) and the read goes on from another copy at the same offset, as it does when a drive
// fails mid-read. A file read in order from its start is checked against its BLAKE3 hash
// too, and its last bytes are held back unless it matches. It shows the content it was
// opened with even if the file is replaced meanwhile. Not safe for concurrent use.
type File struct {
	p    *Pool
	info FileInfo
	e    catalog.Entry
	sums *catalog.BlockSums // nil while the index has none for this content
	srcs []view
	f    drive.ReadFile
	src  int
	off  int64
	bad  int // copies that failed their checksum in this read

	buf    []byte // the checked block at bufOff (a small file: all of it)
	bufOff int64  // -1: none
	// A read in order from the start is hashed whole; when the index had no block sums,
	// they are made on the way and kept once the whole hash matched.
	whole  *blake3.Hasher
	hashed int64 // bytes hashed so far; -1 once the reads left order
	summer *blockSummer
	err    error // once the content was found damaged mid-read, every later read fails
}

// Open opens a file for reading.
// Its Info leaves Wanted unset: opening a file costs one index lookup.
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
	f := &File{p: p, info: p.infoOf(e, 0), e: e, srcs: p.readSources(e), src: -1, bufOff: -1, whole: blake3.New()}
	if len(f.srcs) == 0 {
		if len(p.sources(e.Copies)) > 0 {
			return nil, fmt.Errorf("%s: %w", path, ErrDamaged)
		}
		return nil, fmt.Errorf("%s: %w: every drive holding it is missing; reconnect the drive", path, ErrNotFound)
	}
	if err := f.loadSums(ctx); err != nil {
		return nil, err
	}
	if err := f.next(ctx, nil); err != nil {
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
	case errors.Is(err, catalog.ErrNotFound):
		f.summer = &blockSummer{}
	case err != nil:
		return fmt.Errorf("%s: %w", f.e.Path, err)
	case usableSums(s, f.e.Size):
		f.sums = &s
	default:
		f.summer = &blockSummer{}
	}
	return nil
}

// next moves to the next copy that opens, after cause made the current one fail.
func (f *File) next(ctx context.Context, cause error) error {
	if f.f != nil {
		f.f.Close()
		f.f = nil
	}
	for f.src+1 < len(f.srcs) {
		f.src++
		v := f.srcs[f.src]
		if cause != nil {
			// A copy opened after the file was replaced would mix two contents.
			if e, err := v.d.Stat(ctx, f.info.Path); err != nil || e.Meta.Gen != f.info.Gen {
				continue
			}
		}
		rf, err := v.d.Open(ctx, f.info.Path)
		if err != nil {
			cause = f.p.noteErr(ctx, v, err)
			continue
		}
		f.f = rf
		return nil
	}
	if f.bad > 0 && f.bad == f.src+1 {
		f.p.markDamaged(ctx, f.e)
		return fmt.Errorf("%s: %w", f.info.Path, ErrDamaged)
	}
	if cause == nil {
		cause = ErrNotFound
	}
	return fmt.Errorf("%s: no copy could be read: %w", f.info.Path, cause)
}

// Info describes the file as it was opened.
func (f *File) Info() FileInfo { return f.info }

// ReadAt reads checked bytes from the current copy, moving to another on a read error or
// a bad checksum.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	f.p.throttle.foreground()
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
// first copy that has it good.
func (f *File) load(pos int64) error {
	if f.err != nil {
		return f.err
	}
	start, end := pos&^(blockSize-1), min((pos&^(blockSize-1))+blockSize, f.e.Size)
	if f.e.Size <= smallFile {
		start, end = 0, f.e.Size
	}
	if f.buf == nil {
		f.buf = f.p.chunk()
	}
	f.bufOff = -1 // the buffer is overwritten now
	ctx := context.Background()
	for {
		if f.f == nil {
			return fmt.Errorf("%s: %w", f.info.Path, errClosed)
		}
		buf := f.buf[:end-start]
		v := f.srcs[f.src]
		k, err := f.f.ReadAt(buf, start)
		if k == len(buf) {
			err = nil
		}
		if err == nil {
			err = f.check(ctx, start, buf)
		}
		if err == nil {
			f.buf, f.bufOff = buf, start
			return nil
		}
		if f.err != nil {
			return f.err
		}
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w: the copy is shorter than the file", errBadCopy)
		}
		if errors.Is(err, errBadCopy) {
			f.bad++
			f.p.markBad(ctx, f.e, v, err)
		} else {
			f.p.noteErr(ctx, v, err)
			f.p.log.Warn("a read failed; reading another copy", "file", f.info.Path, "drive", v.rec.Label, "err", err)
		}
		if nerr := f.next(ctx, err); nerr != nil {
			return nerr
		}
	}
}

// check checks a block (or a small file) just read, and hashes it into a read in order.
// errBadCopy means this copy is bad; f.err set means the content already returned cannot
// be trusted, and the read must stop.
func (f *File) check(ctx context.Context, start int64, buf []byte) error {
	if f.p.opt.TrustReads {
		return nil
	}
	if f.e.Size <= smallFile {
		return f.checkWhole(buf)
	}
	if f.sums == nil && start != f.hashed {
		// Read out of order, and the index has no block sums to check this block: learn
		// them from a read of the whole copy, checked against its hash.
		if err := f.learn(ctx); err != nil {
			return err
		}
	}
	if f.sums != nil {
		if crc32.Checksum(buf, crc32c) != f.sums.CRCs[start>>blockShift] {
			return fmt.Errorf("%w: block at %d", errBadCopy, start)
		}
	}
	return f.hashInOrder(ctx, start, buf)
}

// checkWhole checks a small file's whole content against its hash.
func (f *File) checkWhole(content []byte) error {
	if sum := blake3.Sum256(content); !bytes.Equal(sum[:], f.e.Hash) {
		return errBadCopy
	}
	return nil
}

// hashInOrder adds a block to the whole-content hash of a read that runs in order, and
// checks that hash at the end, before the last block is returned.
func (f *File) hashInOrder(ctx context.Context, start int64, buf []byte) error {
	if start != f.hashed {
		if start > f.hashed {
			f.hashed = -1 // the read skipped ahead: no whole hash for it
		}
		return nil
	}
	f.whole.Write(buf)
	if f.summer != nil {
		f.summer.Write(buf)
	}
	f.hashed += int64(len(buf))
	if f.hashed < f.e.Size {
		return nil
	}
	if !bytes.Equal(f.whole.Sum(nil), f.e.Hash) {
		// Bytes already returned did not match, and no block sum could tell which: this
		// read must fail, never end as if it were whole. The next one reads another copy.
		f.err = fmt.Errorf("%s: %w: a copy was damaged; read the file again", f.info.Path, errBadCopy)
		f.bad++
		f.p.markBad(ctx, f.e, f.srcs[f.src], errBadCopy)
		return f.err
	}
	if f.summer != nil {
		f.p.keepSums(ctx, f.e, f.summer.sums())
	}
	return nil
}

// learn reads the current copy whole, checks it against the content's hash and keeps the
// block sums made on the way, for a read out of order of a file the index had none for.
func (f *File) learn(ctx context.Context) error {
	h, s := blake3.New(), &blockSummer{}
	n, err := io.Copy(io.MultiWriter(h, s), io.NewSectionReader(f.f, 0, f.e.Size+1))
	if err != nil {
		return err
	}
	if n != f.e.Size || !bytes.Equal(h.Sum(nil), f.e.Hash) {
		return errBadCopy
	}
	sums := s.sums()
	f.p.keepSums(ctx, f.e, sums)
	f.sums, f.summer = &sums, nil
	return nil
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
		f.p.throttle.foreground()
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
