package upload_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
)

const benchSize = 1 << 30

// BenchmarkTusUpload1GiB is the browser's path for a 1 GiB file: tus over HTTPS on
// loopback to a whole hearthd, in 16 MiB chunks each synced before its answer, then the
// commit into the pool (its own synced, hashed write). Compare with
// BenchmarkFsyncedCopy1GiB, the same bytes written and synced once on the same file
// system.
func BenchmarkTusUpload1GiB(b *testing.B) {
	s := apptest.Start(b)
	s.AddUser("ann", annPW, false)
	c := &tusClient{t: b, base: s.URL, c: s.Client(), auth: func(r *http.Request) { r.SetBasicAuth("ann", annPW) }}
	chunk := pattern(16 << 20)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := range b.N {
		p := c.create("Public", "bench"+strconv.Itoa(i)+".bin", benchSize)
		var last time.Duration
		for off := int64(0); off < benchSize; off += int64(len(chunk)) {
			start := time.Now()
			a := c.do("PATCH", p, chunk, "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.FormatInt(off, 10))
			if a.status != http.StatusNoContent {
				b.Fatalf("PATCH at %d: %d %s", off, a.status, a.body)
			}
			last = time.Since(start)
		}
		// The last chunk's answer waits for the commit into the pool.
		b.ReportMetric(last.Seconds(), "s-last-chunk+commit/op")
	}
}

// BenchmarkFsyncedCopy1GiB writes 1 GiB to a new file in 16 MiB pieces and syncs it: what
// a plain copy onto the same file system costs.
func BenchmarkFsyncedCopy1GiB(b *testing.B) {
	dir := b.TempDir()
	chunk := pattern(16 << 20)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := range b.N {
		f, err := os.Create(filepath.Join(dir, "copy"+strconv.Itoa(i)))
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < benchSize; off += len(chunk) {
			if _, err := f.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
