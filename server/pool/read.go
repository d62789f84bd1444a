package pool

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// File is a file of the pool open for reading. It reads from one copy and moves to
// another when a drive fails mid-read, at the same offset. It shows the content it was
// opened with even if the file is replaced meanwhile. Not safe for concurrent use.
type File struct {
	p    *Pool
	info FileInfo
	srcs []view
	f    drive.ReadFile
	src  int
	off  int64
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
	f := &File{p: p, info: p.infoOf(e, 0), srcs: p.sources(e.Copies), src: -1}
	if len(f.srcs) == 0 {
		return nil, fmt.Errorf("%s: %w: every drive holding it is missing; reconnect the drive", path, ErrNotFound)
	}
	if err := f.next(ctx, nil); err != nil {
		return nil, err
	}
	return f, nil
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
	if cause == nil {
		cause = ErrNotFound
	}
	return fmt.Errorf("%s: no copy could be read: %w", f.info.Path, cause)
}

// Info describes the file as it was opened.
func (f *File) Info() FileInfo { return f.info }

// ReadAt reads from the current copy, failing over to the next on a read error.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	f.p.throttle.foreground()
	total := 0
	for {
		if f.f == nil {
			return total, fmt.Errorf("%s: %w", f.info.Path, errClosed)
		}
		n, err := f.f.ReadAt(b[total:], off+int64(total))
		total += n
		if err == nil || errors.Is(err, io.EOF) {
			return total, err
		}
		v := f.srcs[f.src]
		f.p.noteErr(context.Background(), v, err)
		f.p.log.Warn("a read failed; reading another copy", "file", f.info.Path, "drive", v.rec.Label, "err", err)
		if nerr := f.next(context.Background(), err); nerr != nil {
			return total, nerr
		}
	}
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

// WriteTo copies the rest of the file to w in large reads (io.Copy would otherwise read
// in the small steps its destination asks for).
func (f *File) WriteTo(w io.Writer) (int64, error) {
	buf := make([]byte, chunkSize)
	var n int64
	for {
		k, err := f.Read(buf)
		if k > 0 {
			wk, werr := w.Write(buf[:k])
			n += int64(wk)
			if werr != nil {
				return n, werr
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
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
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}
