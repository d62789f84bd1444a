package pool

import (
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/pool/drive"
)

// checkedCopies remembers the copies of small files whose bytes this process checked
// against their BLAKE3 hash a moment ago, so that reading such a file again and again
// (a folder of photos shown twice, a build reading its sources) does not hash it each
// time: that was a fifth of the time of a warm read.
//
// What is skipped, exactly: the hash of a small file's copy is not computed again when
// all of these hold: this process checked that copy's bytes against the same content
// hash (same generation) within checkedFor; the copy is the same file state (drive,
// device, inode, size, mtime and ctime: any write to it, even one that puts its mtime
// back, moves the ctime); and the kernel gives all its bytes from memory (a read with
// RWF_NOWAIT), so none of them come from the disk this time. Every read that has to go
// to the disk is checked, as is every read after checkedFor. Not covered: pages the
// kernel dropped and another program (not hearthd, whose every read is checked) read
// back from a damaged disk within checkedFor; and bytes damaged in memory, which the
// disk's checksum never protected either.
type checkedCopies struct {
	mu sync.Mutex
	m  map[checkedKey]time.Time
}

type checkedKey struct {
	drive string
	id    drive.FileID
	gen   uint64
	hash  [32]byte
}

const (
	checkedFor = 30 * time.Second
	checkedMax = 8192 // a few hundred KiB at most; when full it starts over
)

func (c *checkedCopies) has(k checkedKey, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.m[k]
	return ok && now.Sub(at) < checkedFor && !now.Before(at)
}

func (c *checkedCopies) add(k checkedKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= checkedMax {
		c.m = make(map[checkedKey]time.Time)
	}
	c.m[k] = now
}

// forget drops what was noted of the copies of a file on drive id, at every state: one
// was found bad, and its damaged bytes may be in memory now.
func (c *checkedCopies) forget(id string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.drive == id && k.gen == gen {
			delete(c.m, k)
		}
	}
}

// checkedKey names the copy f reads now, if its drive can tell which file state it is.
func (f *File) checkedKey() (checkedKey, drive.CachedFile, bool) {
	c, ok := f.f.(drive.CachedFile)
	if !ok || len(f.e.Hash) != 32 {
		return checkedKey{}, nil, false
	}
	k := checkedKey{drive: f.srcs[f.src].id(), id: c.ID(), gen: f.e.Gen}
	copy(k.hash[:], f.e.Hash)
	return k, c, true
}

// readChecked fills buf with the whole small file from memory, if its copy was checked
// a moment ago and is still the same (see checkedCopies); false means read and check it.
func (f *File) readChecked(buf []byte) bool {
	k, c, ok := f.checkedKey()
	if !ok || k.id.Size != int64(len(buf)) || !f.p.checked.has(k, f.p.now()) {
		return false
	}
	n, err := c.ReadCached(buf, 0)
	return err == nil && n == len(buf)
}

// noteChecked records that the copy f reads passed its check just now.
func (f *File) noteChecked() {
	if k, _, ok := f.checkedKey(); ok {
		f.p.checked.add(k, f.p.now())
	}
}
