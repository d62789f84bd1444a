package backupstore_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestPackMemoryReused: packs taken in one after another reuse one buffer, however their
// sizes differ: a buffer made to one pack's exact size was too small for the next about
// half the time, and a fresh 16 MiB, zeroed, per pack was a tenth of the server's time.
// Each pack here is larger than the one before, the case that used to allocate each time.
func TestPackMemoryReused(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	st := open(t, e, filepath.Join(t.TempDir(), "b.db"), nil)
	sess, _, err := st.Begin(ctx, "pc", "ann", nil)
	if err != nil {
		t.Fatal(err)
	}
	const base, n = 4 << 20, 6
	rng := rand.New(rand.NewPCG(1, 2))
	packs := make([][]byte, n)
	names := make([]backup.ID, n)
	for i := range packs {
		plain := make([]byte, base+i*4096) // random: stored raw, so the pack grows too
		for j := range plain {
			plain[j] = byte(rng.Uint32())
		}
		packs[i], names[i], _ = onePack(plain)
	}
	put := func(i int) {
		if err := st.PutPack(ctx, sess, names[i], bytes.NewReader(packs[i]), int64(len(packs[i]))); err != nil {
			t.Fatal(err)
		}
	}
	put(0)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 1; i < n; i++ {
		put(i)
	}
	runtime.ReadMemStats(&after)
	per := float64(after.TotalAlloc-before.TotalAlloc) / (n - 1)
	t.Logf("%.0f KiB allocated per %d KiB pack", per/1024, base>>10)
	if per > base/2 {
		t.Errorf("taking a pack in allocates %.1f MiB; its buffer is not reused", per/(1<<20))
	}
}
