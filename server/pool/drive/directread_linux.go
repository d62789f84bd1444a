package drive

import (
	"errors"
	"io"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// A large copy written with O_DIRECT is not in the page cache, so the first read of it
// comes from the disk. Read through the page cache, that costs as much as the write
// saved (every page is allocated and filled, and on a virtual machine a fresh page
// costs a fault). A large read that the page cache cannot answer whole
// (cachestat) therefore read with O_DIRECT, a window at a time into the file's own aligned buffers,
// with the next window read while this one is used, as the kernel's read-ahead would.
// What is in the page cache is read from there as before.
const (
	// directReadFrom: smaller reads (a range request, a header) go through the page
	// cache as before.
	directReadFrom = 64 << 10
	directWindow   = 1 << 20
)

// directReader holds the windows of one open file. Its methods are called with the
// file's lock held.
type directReader struct {
	fd   int // the file opened again with O_DIRECT; -1 until opened, -2: not possible
	cur  window
	next window
	wait sync.WaitGroup // the read of next
}

type window struct {
	buf []byte
	off int64 // -1: empty
	n   int
	err error
}

// ReadAt reads like os.File's; large reads of a large file go around the page cache
// where it does not hold them (see above).
func (f *localFile) ReadAt(b []byte, off int64) (int, error) {
	if f.id.Size < DirectFrom || len(b) < directReadFrom || f.d == nil || off < 0 || f.viaCache.Load() {
		return f.File.ReadAt(b, off)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dr.holds(off) {
		return f.dr.read(f, b, off)
	}
	if f.dr.fd == -1 && f.cached(off, len(b)) {
		// The copy is in memory: it is read from there from now on, without asking
		// again and without the lock, so reads at once run at once (asking at every
		// read cost a cached GET a fifth of its speed).
		f.viaCache.Store(true)
		return f.File.ReadAt(b, off)
	}
	if !f.openDirect() {
		return f.File.ReadAt(b, off)
	}
	return f.dr.read(f, b, off)
}

// cached reports whether the page cache holds all of n bytes at off. It asks cachestat
// (Linux 6.5), which unlike a read with RWF_NOWAIT does not start a read-ahead of what
// is missing; where the kernel lacks it, every large read is taken as cached.
func (f *localFile) cached(off int64, n int) bool {
	page := int64(os.Getpagesize())
	first, last := off&^(page-1), min(off+int64(n), f.id.Size)
	var cs unix.Cachestat_t
	err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{Off: uint64(first), Len: uint64(last - first)}, &cs, 0)
	if err != nil {
		return true
	}
	return int64(cs.Cache) >= (last-first+page-1)/page
}

// holds reports whether off is in a window read or being read.
func (r *directReader) holds(off int64) bool {
	return r.fd >= 0 && (r.cur.has(off) || (r.next.off >= 0 && off >= r.next.off && off < r.next.off+directWindow))
}

func (w *window) has(off int64) bool { return w.off >= 0 && off >= w.off && off < w.off+int64(w.n) }

// openDirect opens the file again with O_DIRECT, once; false where the filesystem
// refuses it or the path holds another file by now.
func (f *localFile) openDirect() bool {
	if f.dr.fd != -1 {
		return f.dr.fd >= 0
	}
	f.dr.fd = -2
	if f.d.noDirect.Load() {
		return false
	}
	var fd int
	err := f.d.withRoot(func(root int) error {
		var err error
		fd, err = openat(root, f.rel, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_DIRECT, 0)
		return err
	})
	if errors.Is(err, unix.EINVAL) {
		f.d.noDirect.Store(true)
	}
	if err != nil {
		return false
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Dev != f.id.Dev || st.Ino != f.id.Ino {
		unix.Close(fd) // replaced since it was opened: read what was opened
		return false
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, unix.O_DIRECT); err != nil {
		unix.Close(fd)
		return false
	}
	f.dr.fd = fd
	f.dr.cur = window{buf: f.d.window(), off: -1}
	f.dr.next = window{buf: f.d.window(), off: -1}
	return true
}

// read copies b from the windows, reading them as needed.
func (r *directReader) read(f *localFile, b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) {
		pos := off + int64(n)
		if pos >= f.id.Size {
			return n, io.EOF
		}
		if !r.cur.has(pos) {
			if err := r.load(f, pos&^(directWindow-1)); err != nil {
				if n > 0 {
					return n, nil
				}
				return f.File.ReadAt(b, off) // the page cache will say what is wrong
			}
			if !r.cur.has(pos) {
				return n, io.EOF // the file is shorter than it was
			}
		}
		n += copy(b[n:], r.cur.buf[pos-r.cur.off:r.cur.n])
	}
	return n, nil
}

// load makes the window at start current, and starts reading the one after it.
func (r *directReader) load(f *localFile, start int64) error {
	r.wait.Wait()
	if r.next.off == start && r.next.err == nil {
		r.cur, r.next = r.next, r.cur
	} else {
		r.cur.off = start
		r.cur.n, r.cur.err = preadFull(r.fd, r.cur.buf, start)
		if r.cur.err != nil {
			r.cur.off = -1
			return r.cur.err
		}
	}
	r.next.off = -1
	if ahead := r.cur.off + directWindow; r.cur.n == directWindow && ahead < f.id.Size {
		r.next.off = ahead
		r.wait.Add(1)
		go func() {
			defer r.wait.Done()
			r.next.n, r.next.err = preadFull(r.fd, r.next.buf, ahead)
		}()
	}
	return nil
}

// preadFull reads buf at off, stopping early only at the end of the file.
func preadFull(fd int, buf []byte, off int64) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := unix.Pread(fd, buf[n:], off+int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if k == 0 || k%DirectAlign != 0 {
			return n + k, nil // the end of the file
		}
		n += k
	}
	return n, nil
}

// close waits for a window still being read and closes the O_DIRECT descriptor.
func (r *directReader) close(d *Local) {
	r.wait.Wait()
	if r.fd >= 0 {
		unix.Close(r.fd)
		for _, b := range [][]byte{r.cur.buf, r.next.buf} {
			d.windows.Put(&b)
		}
		r.cur.buf, r.next.buf = nil, nil
	}
	r.fd = -2
}

// window returns a directWindow-sized aligned buffer. They are kept for reuse: a restore
// opens a pack for every piece it asks for, and two fresh zeroed MiB for each cost more
// CPU than reading the piece.
func (d *Local) window() []byte {
	if b, ok := d.windows.Get().(*[]byte); ok {
		return *b
	}
	return AlignedBuffer(directWindow)
}
