package dav

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
)

// etagOf is a file's content hash (strong: equal bytes, equal tag) or, for a folder, its
// generation and time.
func etagOf(fi pool.FileInfo) string {
	if !fi.Dir && len(fi.Hash) >= 32 {
		return `"` + fi.Hash[:32] + `"`
	}
	return `"d` + strings.ToLower(strings.TrimLeft(fi.ModTime.UTC().Format("20060102150405.000000000"), "0")) + `"`
}

// rootInfo is the folder that holds the shares.
type rootInfo struct{}

func (rootInfo) Name() string       { return "/" }
func (rootInfo) Size() int64        { return 0 }
func (rootInfo) ModTime() time.Time { return time.Unix(0, 0) }
func (rootInfo) IsDir() bool        { return true }
func (rootInfo) Sys() any           { return nil }
func (rootInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }

// readFile is an open file for reading: the source of a COPY, or what a PROPPATCH
// changes. The drive file is opened on the first read, so a PROPPATCH touches only the
// catalog.
type readFile struct {
	propHolder
	info pool.Stat
	f    *pool.File
}

// errReading marks a failure to read a file, as opposed to saving one.
var errReading = errors.New("reading")

func (r *readFile) Read(b []byte) (int, error) {
	if r.f == nil {
		f, err := r.fs.pool.Open(r.ctx, r.path)
		if err != nil {
			return 0, r.fs.st.fail("read", r.path, fmt.Errorf("%w: %w", errReading, err))
		}
		r.f = f
	}
	n, err := r.f.Read(b)
	if err != nil && err != io.EOF {
		err = r.fs.st.fail("read", r.path, fmt.Errorf("%w: %w", errReading, err))
	}
	return n, err
}

func (r *readFile) Seek(int64, int) (int64, error)     { return 0, errors.New("not seekable") }
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
		return nil, d.fs.st.fail("readdir", d.name, err)
	}
	if d.path == "" {
		list = d.readable(list)
	}
	out := make([]fs.FileInfo, len(list))
	for i := range list {
		out[i] = pool.Stat{FI: &list[i]} // a pointer in an interface costs no allocation
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

// writeFile is the destination of a COPY. Close commits it only if every byte arrived:
// the engine calls Close even after the copy broke off, and a broken copy must leave the
// file that was there as it was.
type writeFile struct {
	propHolder
	name   string
	w      *pool.Writer
	failed error
}

// ReadFrom is what io.Copy uses: it sees errors of the reader too.
func (w *writeFile) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.w.ReadFrom(r)
	if err != nil && w.failed == nil {
		w.failed = err
	}
	return n, err
}

func (w *writeFile) Close() error {
	if w.failed != nil {
		w.w.Abort()
		return w.fs.st.fail("write", w.name, w.failed)
	}
	_, err := w.w.Commit(w.ctx)
	return w.fs.st.fail("write", w.name, err)
}

func (w *writeFile) Write([]byte) (int, error)          { return 0, errors.New("copied with ReadFrom") }
func (w *writeFile) Stat() (fs.FileInfo, error)         { return nil, errors.New("being written") }
func (w *writeFile) Read([]byte) (int, error)           { return 0, os.ErrPermission }
func (w *writeFile) Seek(int64, int) (int64, error)     { return 0, os.ErrPermission }
func (w *writeFile) Readdir(int) ([]fs.FileInfo, error) { return nil, errors.New("not a folder") }
