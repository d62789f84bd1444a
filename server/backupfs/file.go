package backupfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"github.com/hearth-home/hearth/backup"
)

// file is an open backed-up file: Read and Seek come from a section reader over its
// chunks. It is not safe for concurrent use.
type file struct {
	*io.SectionReader
	chunks *chunks
	name   string
	info   *info
}

// chunks reads a file's bytes from its chunks in order: a read finds the chunk that
// holds its offset by binary search over where each chunk ends, fetches it from the
// store and keeps it, so reading on through the file fetches each chunk once.
type chunks struct {
	ctx   context.Context
	store Store
	name  string
	info  *info
	ends  []int64 // ends[i] is the offset just past chunk i
	cur   int     // the chunk in data, -1 for none
	data  []byte
}

func newFile(ctx context.Context, st Store, name string, in *info) *file {
	ends := make([]int64, len(in.content))
	var off int64
	for i, c := range in.content {
		off += int64(c.Size)
		ends[i] = off
	}
	c := &chunks{ctx: ctx, store: st, name: name, info: in, ends: ends, cur: -1}
	return &file{SectionReader: io.NewSectionReader(c, 0, in.size), chunks: c, name: name, info: in}
}

// chunk returns the content of chunk i.
func (c *chunks) chunk(i int) ([]byte, error) {
	if i == c.cur {
		return c.data, nil
	}
	want := c.info.content[i]
	data, err := c.store.Blob(c.ctx, want.ID)
	if err != nil {
		return nil, fmt.Errorf("read %s from the backup: %w", c.name, err)
	}
	if len(data) != int(want.Size) {
		return nil, fmt.Errorf("read %s from the backup: %w: a piece has %d bytes, not %d", c.name, backup.ErrCorrupt, len(data), want.Size)
	}
	c.cur, c.data = i, data
	return data, nil
}

// ReadAt reads len(b) bytes from off, or fewer with io.EOF at the end of the file.
func (c *chunks) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: c.name, Err: fs.ErrInvalid}
	}
	n := 0
	for n < len(b) && off < c.info.size {
		i := sort.Search(len(c.ends), func(i int) bool { return c.ends[i] > off })
		data, err := c.chunk(i)
		if err != nil {
			return n, err
		}
		start := c.ends[i] - int64(len(data))
		m := copy(b[n:], data[off-start:])
		n, off = n+m, off+int64(m)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Close() error               { f.chunks.data, f.chunks.cur = nil, -1; return nil }
func (f *file) Write([]byte) (int, error) {
	return 0, &fs.PathError{Op: "write", Path: f.name, Err: os.ErrPermission}
}
func (f *file) Readdir(int) ([]fs.FileInfo, error) {
	return nil, &fs.PathError{Op: "readdir", Path: f.name, Err: errNotDir}
}

// dir is an open folder of the view.
type dir struct {
	fs   *FS
	ctx  context.Context
	name string
	info *info
	kids []*info
	read bool
	next int
}

// Readdir lists the folder: all that is left when count <= 0, else at most count
// entries, with io.EOF once none is left.
func (d *dir) Readdir(count int) ([]fs.FileInfo, error) {
	if !d.read {
		kids, err := d.fs.children(d.ctx, d.info)
		if err != nil {
			return nil, &fs.PathError{Op: "readdir", Path: d.name, Err: err}
		}
		d.kids, d.read = kids, true
	}
	rest := d.kids[d.next:]
	if count > 0 {
		if len(rest) == 0 {
			return nil, io.EOF
		}
		rest = rest[:min(count, len(rest))]
	}
	d.next += len(rest)
	out := make([]fs.FileInfo, len(rest))
	for i, k := range rest {
		out[i] = k
	}
	return out, nil
}

var errIsDir = errors.New("is a folder")

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Close() error               { return nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errIsDir}
}
func (d *dir) Seek(int64, int) (int64, error) {
	return 0, &fs.PathError{Op: "seek", Path: d.name, Err: errIsDir}
}
func (d *dir) Write([]byte) (int, error) {
	return 0, &fs.PathError{Op: "write", Path: d.name, Err: os.ErrPermission}
}
