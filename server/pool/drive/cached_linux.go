package drive

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// FileID tells one state of a file on a drive: a write to it through the filesystem, a
// change of its metadata or its replacement changes it (the ctime moves with every change
// and no program can set it).
type FileID struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64 // nanoseconds
}

// CachedFile is a ReadFile that says which file state it opened and can read what the
// kernel holds in memory without going to the disk. The pool uses it to skip checking
// again the bytes of a small file it checked a moment ago (read.go).
type CachedFile interface {
	ReadFile
	ID() FileID
	// ReadCached reads like ReadAt, but only from the page cache: ErrNotCached when
	// any of the bytes would have to come from the disk.
	ReadCached(b []byte, off int64) (int, error)
}

// ErrNotCached: the bytes asked for are not all in memory.
var ErrNotCached = errors.New("not in the page cache")

// localFile is a copy open for reading on a Local drive.
type localFile struct {
	*os.File
	id  FileID
	d   *Local
	rel string // where it was opened, relative to the drive's root

	mu sync.Mutex // guards dr
	dr directReader
	// viaCache: the first large read found the copy in the page cache, and every read
	// goes there (directread_linux.go).
	viaCache atomic.Bool
}

var _ CachedFile = (*localFile)(nil)

func newLocalFile(d *Local, fd int, rel, path string, st *unix.Stat_t) *localFile {
	return &localFile{File: os.NewFile(uintptr(fd), path), d: d, rel: rel, dr: directReader{fd: -1}, id: FileID{
		Dev: st.Dev, Ino: st.Ino, Size: st.Size,
		Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(),
	}}
}

// Close closes the file and the descriptor its large reads used (directread_linux.go).
func (f *localFile) Close() error {
	f.mu.Lock()
	f.dr.close(f.d)
	f.mu.Unlock()
	return f.File.Close()
}

func (f *localFile) ID() FileID { return f.id }

// ReadCached reads with RWF_NOWAIT, which the kernel answers from the page cache alone.
func (f *localFile) ReadCached(b []byte, off int64) (int, error) {
	// Fd leaves the file as it is: it is in blocking mode already (openFile).
	n, rerr := unix.Preadv2(int(f.Fd()), [][]byte{b}, off, unix.RWF_NOWAIT)
	if rerr != nil {
		if rerr == unix.EAGAIN || rerr == unix.EOPNOTSUPP || rerr == unix.EINVAL || rerr == unix.ENOSYS {
			return 0, ErrNotCached
		}
		return 0, &os.PathError{Op: "read", Path: f.Name(), Err: rerr}
	}
	if n < len(b) {
		return n, ErrNotCached // part of it only: the rest is on the disk (or past the end)
	}
	return n, nil
}
