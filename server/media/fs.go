package media

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/pool"
)

// Pool is what the media server needs of the pool: the shares with their streaming
// setting, listings and verified reads, and its count of changes.
type Pool interface {
	Shares(ctx context.Context) ([]pool.ShareInfo, error)
	Stat(ctx context.Context, path string) (pool.FileInfo, error)
	List(ctx context.Context, dir string) ([]pool.FileInfo, error)
	Open(ctx context.Context, path string) (*pool.File, error)
	Changes() uint64
}

// poolFS is the pool as dms browses it: its root holds the shares streamed to the TVs,
// and nothing else is reachable. Every read goes through the pool, so it is checked
// against its checksums and comes from another copy when a drive is missing or bad.
type poolFS struct {
	ctx  context.Context // the server's: reads stop when it stops
	pool Pool

	mu       sync.Mutex
	seenAt   uint64          // the pool's change count when streamed and lists were read
	streamed map[string]bool // the shares streamed; nil until read
	// lists are folders listed lately, newest last: a TV pages through a long folder,
	// and dms lists all of it for each page. Any change to the pool empties them.
	lists []listed
	arts  map[string]folderArtOf // folders' art (art.go), likewise
}

// listed is a folder's listing.
type listed struct {
	name    string
	entries []fs.DirEntry
}

// listsMax bounds the entries kept in listings (about 200 bytes each).
const listsMax = 20000

var (
	_ fs.ReadDirFS = (*poolFS)(nil)
	_ fs.StatFS    = (*poolFS)(nil)
)

// shares returns the streamed shares. A share's setting changing counts as a change of
// the pool, so the set is read again only when the pool changed.
func (f *poolFS) shares() (map[string]bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.pool.Changes()
	if f.streamed != nil && f.seenAt == n {
		return f.streamed, nil
	}
	f.lists, f.arts = nil, nil
	ss, err := f.pool.Shares(f.ctx)
	if err != nil {
		return nil, err
	}
	f.streamed = map[string]bool{}
	for _, s := range ss {
		if s.Media {
			f.streamed[s.Name] = true
		}
	}
	f.seenAt = n
	return f.streamed, nil
}

// check says whether name may be reached: a valid path inside a streamed share (or the
// root). Anything else does not exist, as far as a TV can tell.
func (f *poolFS) check(op, name string) error {
	if !fs.ValidPath(name) { // also not there, so that a TV asking is told 404
		return &fs.PathError{Op: op, Path: name, Err: errors.Join(fs.ErrInvalid, fs.ErrNotExist)}
	}
	if name == "." {
		return nil
	}
	streamed, err := f.shares()
	if err != nil {
		return &fs.PathError{Op: op, Path: name, Err: err}
	}
	share, _, _ := strings.Cut(name, "/")
	if !streamed[share] || hidden(name) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return nil
}

// hidden reports whether a path is or lies in a hidden file or folder (".DS_Store",
// "._song.mp3", ".thumbnails"): what a TV should not list. dms can hide them itself, but
// logs each one it hides, at every listing.
func hidden(name string) bool {
	return strings.HasPrefix(name, ".") || strings.Contains(name, "/.")
}

// pathErr turns the pool's errors into the fs package's, so dms tells a missing file
// from a failure.
func pathErr(op, name string, err error) error {
	if errors.Is(err, pool.ErrNotFound) || errors.Is(err, pool.ErrNoShare) {
		err = errors.Join(fs.ErrNotExist, err)
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func (f *poolFS) Stat(name string) (fs.FileInfo, error) {
	if err := f.check("stat", name); err != nil {
		return nil, err
	}
	if name == "." {
		return rootInfo{}, nil
	}
	fi, err := f.pool.Stat(f.ctx, name)
	if err != nil {
		return nil, pathErr("stat", name, err)
	}
	return pool.Stat{FI: &fi}, nil
}

func (f *poolFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := f.check("readdir", name); err != nil {
		return nil, err
	}
	if name == "." {
		return f.readRoot()
	}
	if l, ok := f.listed(name); ok {
		return l, nil
	}
	kids, err := f.pool.List(f.ctx, name)
	if err != nil {
		return nil, pathErr("readdir", name, err)
	}
	out := make([]fs.DirEntry, 0, len(kids))
	for _, k := range kids {
		if !hidden(k.Name) {
			out = append(out, fs.FileInfoToDirEntry(pool.Stat{FI: &k}))
		}
	}
	f.keep(name, out)
	return slices.Clone(out), nil
}

// listed returns a copy of a folder's listing kept since the pool last changed.
func (f *poolFS) listed(name string) ([]fs.DirEntry, bool) {
	if _, err := f.shares(); err != nil { // empties the listings if the pool changed
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.lists {
		if l.name == name {
			return slices.Clone(l.entries), true
		}
	}
	return nil, false
}

// keep keeps a folder's listing, letting the oldest go beyond listsMax entries. A
// listing read before a change of the pool is not kept: it may miss the change.
func (f *poolFS) keep(name string, entries []fs.DirEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seenAt != f.pool.Changes() || len(entries) > listsMax {
		return
	}
	f.lists = append(f.lists, listed{name, entries})
	total := 0
	for _, l := range f.lists {
		total += len(l.entries)
	}
	for total > listsMax {
		total -= len(f.lists[0].entries)
		f.lists = f.lists[1:]
	}
}

// readRoot lists the streamed shares, by name.
func (f *poolFS) readRoot() ([]fs.DirEntry, error) {
	kids, err := f.pool.List(f.ctx, "")
	if err != nil {
		return nil, pathErr("readdir", ".", err)
	}
	streamed, err := f.shares()
	if err != nil {
		return nil, pathErr("readdir", ".", err)
	}
	var out []fs.DirEntry
	for _, k := range kids {
		if k.Dir && streamed[k.Name] {
			out = append(out, fs.FileInfoToDirEntry(pool.Stat{FI: &k}))
		}
	}
	return out, nil
}

func (f *poolFS) Open(name string) (fs.File, error) {
	st, err := f.Stat(name)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return &dir{fsys: f, name: name, info: st}, nil
	}
	pf, err := f.pool.Open(f.ctx, name)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	return file{pf}, nil
}

// file is a file of the pool open for reading, with checked reads and seeking (which
// http.ServeContent needs for ranges).
type file struct{ *pool.File }

func (f file) Stat() (fs.FileInfo, error) {
	fi := f.Info()
	return pool.Stat{FI: &fi}, nil
}

var _ io.ReadSeeker = file{}

// dir is a folder opened (http.ServeFileFS opens one, dms reads them by ReadDir).
type dir struct {
	fsys *poolFS
	name string
	info fs.FileInfo
	list []fs.DirEntry
	read bool
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.name, Err: errors.New("is a folder")}
}
func (d *dir) Close() error { return nil }

func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	if !d.read {
		l, err := d.fsys.ReadDir(d.name)
		if err != nil {
			return nil, err
		}
		d.list, d.read = l, true
	}
	if n <= 0 {
		out := d.list
		d.list = nil
		return out, nil
	}
	if len(d.list) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(d.list))
	out := d.list[:n]
	d.list = d.list[n:]
	return out, nil
}

// rootInfo describes the root, the folder of the streamed shares.
type rootInfo struct{}

func (rootInfo) Name() string       { return "." }
func (rootInfo) Size() int64        { return 0 }
func (rootInfo) ModTime() time.Time { return time.Time{} }
func (rootInfo) IsDir() bool        { return true }
func (rootInfo) Sys() any           { return nil }
func (rootInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o555 }
