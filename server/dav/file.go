package dav

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/webhdr"
)

// fileInfo is a pool entry as an os.FileInfo, with a content-based ETag and a content type
// from the name alone (sniffing would read every file a folder listing shows).
type fileInfo struct{ fi *pool.FileInfo }

func (i fileInfo) Name() string       { return i.fi.Name }
func (i fileInfo) Size() int64        { return i.fi.Size }
func (i fileInfo) ModTime() time.Time { return i.fi.ModTime }
func (i fileInfo) IsDir() bool        { return i.fi.Dir }
func (i fileInfo) Sys() any           { return nil }
func (i fileInfo) Mode() fs.FileMode {
	if i.fi.Dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}

// ETag is the file's content hash (strong: equal bytes, equal tag) or, for a folder, its
// generation and time.
func (i fileInfo) ETag(context.Context) (string, error) { return etagOf(*i.fi), nil }

func etagOf(fi pool.FileInfo) string {
	if !fi.Dir && len(fi.Hash) >= 32 {
		return `"` + fi.Hash[:32] + `"`
	}
	return `"d` + strings.ToLower(strings.TrimLeft(fi.ModTime.UTC().Format("20060102150405.000000000"), "0")) + `"`
}

// ContentType is what GET answers too (see webhdr): never sniffed.
func (i fileInfo) ContentType(context.Context) (string, error) {
	return webhdr.ContentType(i.fi.Name), nil
}

// rootInfo is the folder that holds the shares.
type rootInfo struct{}

func (rootInfo) Name() string       { return "/" }
func (rootInfo) Size() int64        { return 0 }
func (rootInfo) ModTime() time.Time { return time.Unix(0, 0) }
func (rootInfo) IsDir() bool        { return true }
func (rootInfo) Sys() any           { return nil }
func (rootInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }

// readFile is an open file for reading. The drive file is opened on the first read, so a
// PROPFIND, which opens every file it lists, touches only the catalog.
type readFile struct {
	propHolder
	info fileInfo
	once sync.Once
	f    *pool.File
	err  error
}

// errReading marks a failure to read a file, as opposed to saving one.
var errReading = errors.New("reading")

// open opens the file on the first read or seek, and reads its first block: a file whose
// start is damaged on every drive (for a small file: any of it) is refused with words
// that say so before the answer starts, rather than cut off after it began.
func (r *readFile) open() error {
	r.once.Do(func() {
		r.f, r.err = r.fs.pool.Open(r.ctx, r.path)
		if r.err == nil && r.info.fi.Size > 0 {
			_, r.err = r.f.ReadAt(make([]byte, 1), 0)
		}
		if r.err != nil {
			r.err = stateOf(r.ctx).fail("read", r.path, fmt.Errorf("%w: %w", errReading, r.err))
		}
	})
	return r.err
}

func (r *readFile) Read(b []byte) (int, error) {
	if err := r.open(); err != nil {
		return 0, err
	}
	return r.f.Read(b)
}

func (r *readFile) Seek(off int64, whence int) (int64, error) {
	if err := r.open(); err != nil {
		return 0, err
	}
	return r.f.Seek(off, whence)
}

func (r *readFile) Readdir(int) ([]fs.FileInfo, error) { return nil, errors.New("not a folder") }
func (r *readFile) Stat() (fs.FileInfo, error)         { return r.info, nil }
func (r *readFile) Write([]byte) (int, error)          { return 0, os.ErrPermission }
func (r *readFile) Close() error {
	if r.f != nil {
		return r.f.Close()
	}
	return nil
}

// dirFile is an open folder.
type dirFile struct {
	propHolder
	name string
	info fs.FileInfo
	read bool
}

func (d *dirFile) Readdir(count int) ([]fs.FileInfo, error) {
	if d.read {
		if count > 0 {
			return nil, io.EOF
		}
		return nil, nil
	}
	d.read = true
	list, err := d.fs.pool.List(d.ctx, d.path)
	if err != nil {
		return nil, stateOf(d.ctx).fail("readdir", d.name, err)
	}
	if d.path == "" {
		list = d.readable(list)
	}
	out := make([]fs.FileInfo, len(list))
	for i := range list {
		out[i] = fileInfo{&list[i]} // a pointer in an interface costs no allocation
	}
	return out, nil
}

// readable keeps the shares the principal may read.
func (d *dirFile) readable(shares []pool.FileInfo) []pool.FileInfo {
	pr, _ := auth.PrincipalOf(d.ctx)
	out := shares[:0]
	for _, s := range shares {
		if shareReadable(pr, s.Name) {
			out = append(out, s)
		}
	}
	return out
}

func (d *dirFile) Stat() (fs.FileInfo, error)     { return d.info, nil }
func (d *dirFile) Read([]byte) (int, error)       { return 0, errors.New("is a folder") }
func (d *dirFile) Seek(int64, int) (int64, error) { return 0, errors.New("is a folder") }
func (d *dirFile) Write([]byte) (int, error)      { return 0, errors.New("is a folder") }
func (d *dirFile) Close() error                   { return nil }

// writeFile is a file being written. Close commits it only if every byte arrived: the
// engine calls Close even after the upload broke off, and a cut-off upload must leave the
// previous file as it was.
type writeFile struct {
	propHolder
	name    string
	w       *pool.Writer
	n       int64
	failed  error
	started time.Time
	done    *pool.FileInfo
}

func (w *writeFile) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.n += int64(n)
	if err != nil && w.failed == nil {
		w.failed = err
	}
	return n, err
}

// ReadFrom is what io.Copy uses: it sees errors of the reader too (a truncated body).
func (w *writeFile) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.w.ReadFrom(r)
	w.n += n
	if err != nil && w.failed == nil {
		w.failed = err
	}
	return n, err
}

func (w *writeFile) Close() error {
	st := stateOf(w.ctx)
	if w.failed != nil {
		w.w.Abort()
		return st.fail("write", w.name, w.failed)
	}
	fi, err := w.w.Commit(w.ctx)
	if err != nil {
		return st.fail("write", w.name, err)
	}
	w.done = &fi
	return nil
}

// Stat is asked before Close; the ETag it gives is read after, from the committed file.
func (w *writeFile) Stat() (fs.FileInfo, error) {
	return writtenInfo{w}, nil
}

func (w *writeFile) Read([]byte) (int, error)           { return 0, os.ErrPermission }
func (w *writeFile) Seek(int64, int) (int64, error)     { return 0, os.ErrPermission }
func (w *writeFile) Readdir(int) ([]fs.FileInfo, error) { return nil, errors.New("not a folder") }

type writtenInfo struct{ w *writeFile }

func (i writtenInfo) Name() string       { return path.Base(i.w.path) }
func (i writtenInfo) Size() int64        { return i.w.n }
func (i writtenInfo) ModTime() time.Time { return i.w.started }
func (i writtenInfo) IsDir() bool        { return false }
func (i writtenInfo) Sys() any           { return nil }
func (i writtenInfo) Mode() fs.FileMode  { return 0o644 }
func (i writtenInfo) ETag(context.Context) (string, error) {
	if i.w.done == nil {
		return "", errors.New("the file was not saved")
	}
	return etagOf(*i.w.done), nil
}
