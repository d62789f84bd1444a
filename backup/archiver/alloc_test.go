package archiver

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/hearth-home/hearth/backup"
)

// memRemote is a server in memory that checks each pack as the real one does and keeps
// only what it counts, and the folder listings.
type memRemote struct {
	codec *backup.Codec
	mu    sync.Mutex
	have  map[backup.ID]bool
	trees map[backup.ID][]byte
	blobs int
}

func newMemRemote() *memRemote {
	return &memRemote{codec: backup.NewCodec(), have: map[backup.ID]bool{}, trees: map[backup.ID][]byte{}}
}

func (r *memRemote) Missing(_ context.Context, ids []backup.ID) ([]backup.ID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []backup.ID
	for _, id := range ids {
		if !r.have[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

func (r *memRemote) PutPack(_ context.Context, name backup.ID, data []byte) error {
	if backup.Hash(data) != name {
		return fmt.Errorf("pack %s: not its name", name.Short())
	}
	entries, err := backup.ReadPackIndex(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var scratch []byte
	for _, e := range entries {
		if scratch, err = r.codec.Verify(scratch, e.ID, e.Enc, data[e.Offset:e.Offset+e.Length], int(e.RawLen)); err != nil {
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range entries {
		r.have[e.ID] = true
		r.blobs++
		if e.Kind == backup.Tree {
			plain, err := r.codec.Expand(nil, e.ID, e.Enc, data[e.Offset:e.Offset+e.Length], int(e.RawLen))
			if err != nil {
				return err
			}
			r.trees[e.ID] = plain
		}
	}
	return nil
}

func (r *memRemote) Blob(context.Context, backup.ID) ([]byte, error) {
	return nil, fmt.Errorf("not kept")
}

// writeMix fills dir with n files of size bytes each: one in textEvery text-like, the
// rest random, so both compressed and raw blobs pass through.
func writeMix(t testing.TB, dir string, n, size, textEvery int) {
	var seed [32]byte
	seed[0] = byte(n)
	rng := rand.NewChaCha8(seed)
	pick := rand.New(rng)
	words := []string{"hearth ", "backup ", "family ", "photo ", "laptop ", "the ", "of ", "and "}
	for i := range n {
		var b []byte
		if i%textEvery == 0 {
			for len(b) < size {
				b = append(b, words[pick.IntN(len(words))]...)
			}
			b = b[:size]
		} else {
			b = make([]byte, size)
			rng.Read(b)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// backupOnce backs dir up to a fresh server and returns the chunks sent.
func backupOnce(t testing.TB, dir string) int {
	r := newMemRemote()
	if _, err := Run(context.Background(), r, Options{PC: "bench", Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	return r.blobs
}

// allocated runs f and returns the heap bytes and objects allocated meanwhile.
func allocated(f func()) (bytes, objects uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}

// TestChunkMemoryReused: a backup's chunks pass through buffers used again, so what it
// allocates grows far slower than what it reads (a fresh copy of each chunk and of its
// compressed form was 1.2 bytes per byte read here). Fixed costs (readers' buffers, the
// packs being filled and sent, the buffers kept) are reached by both sizes and cancel
// out.
func TestChunkMemoryReused(t *testing.T) {
	small, large := t.TempDir(), t.TempDir()
	const size, nSmall, nLarge = 1 << 20, 64, 128
	writeMix(t, small, nSmall, size, 8)
	writeMix(t, large, nLarge, size, 8)
	backupOnce(t, small) // warm up: codec tables
	var chunks [2]int
	bSmall, oSmall := allocated(func() { chunks[0] = backupOnce(t, small) })
	bLarge, oLarge := allocated(func() { chunks[1] = backupOnce(t, large) })
	t.Logf("allocated %d MiB backing up %d MiB, %d MiB backing up %d MiB", bSmall>>20, nSmall*size>>20, bLarge>>20, nLarge*size>>20)
	extraBytes := float64(bLarge) - float64(bSmall)
	extraRead := float64(nLarge-nSmall) * size
	extraChunks := float64(chunks[1] - chunks[0])
	perByte := extraBytes / extraRead
	perChunk := (float64(oLarge) - float64(oSmall)) / extraChunks
	t.Logf("per byte read: %.3f bytes allocated; per chunk: %.0f allocations", perByte, perChunk)
	if perByte > 0.25 {
		t.Errorf("a backup allocates %.2f bytes per byte it reads; chunk buffers are not reused", perByte)
	}
	if perChunk > 400 {
		t.Errorf("a backup makes %.0f allocations per chunk", perChunk)
	}
}

// BenchmarkArchiver backs up 32 MiB of half text, half random files to a server in
// memory; it reports allocations per chunk. A regression guard beside
// TestChunkMemoryReused; its timings are for reading, never for passing.
func BenchmarkArchiver(b *testing.B) {
	dir := b.TempDir()
	writeMix(b, dir, 32, 1<<20, 2)
	b.ReportAllocs()
	b.SetBytes(32 << 20)
	var chunks int
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		chunks += backupOnce(b, dir)
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(chunks), "allocs/chunk")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(chunks), "B/chunk")
}
