package archiver

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/hearth-home/hearth/backup"
)

// bufs keeps the buffers chunks and their compressed forms pass through, so a backup does
// not allocate (and the garbage collector clear and collect) a fresh buffer per chunk: in
// the CPU profile of a first backup that copy into new memory was a sixth of the
// client's time. Buffers come in power-of-two sizes. What is kept for reuse and what is
// held in flight together stay within limit (the in-flight budget): buffers come back
// in bursts when an upload has held the packer up, and any not kept would be allocated
// afresh moments later; yet keeping more would only add to the client's peak memory.
type bufs struct {
	mu    sync.Mutex
	free  [numClasses][][]byte
	bytes int64 // kept in free
	limit int64
	held  atomic.Int64 // of the in-flight budget now
}

const (
	minClassShift = 12 // 4 KiB: smaller pieces are not worth keeping
	maxClassShift = 23 // backup.ChunkMax
	numClasses    = maxClassShift - minClassShift + 1
)

func init() {
	if 1<<maxClassShift != backup.ChunkMax {
		panic("archiver: buffer classes do not reach backup.ChunkMax")
	}
}

// class is the smallest class whose buffers hold n bytes; ok is false beyond the largest.
func class(n int) (int, bool) {
	if n <= 1<<minClassShift {
		return 0, true
	}
	c := bits.Len(uint(n-1)) - minClassShift
	return c, c < numClasses
}

// get returns an empty buffer with room for at least n bytes.
func (p *bufs) get(n int) []byte {
	c, ok := class(n)
	if !ok {
		return make([]byte, 0, n)
	}
	p.mu.Lock()
	if l := len(p.free[c]); l > 0 {
		b := p.free[c][l-1]
		p.free[c] = p.free[c][:l-1]
		p.bytes -= int64(cap(b))
		p.mu.Unlock()
		return b[:0]
	}
	p.mu.Unlock()
	return make([]byte, 0, 1<<(c+minClassShift))
}

// put keeps b for reuse, unless that would take what is kept and held past the limit or
// b is not one of the classes' sizes. b must not be used afterwards.
func (p *bufs) put(b []byte) {
	n := cap(b)
	if n < 1<<minClassShift || n&(n-1) != 0 {
		return
	}
	c, ok := class(n)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bytes+int64(n)+p.held.Load() > p.limit {
		return
	}
	p.free[c] = append(p.free[c], b[:0])
	p.bytes += int64(n)
}
