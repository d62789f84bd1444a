package health_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/health"
)

// benchFiles is a large family's pool: the check reads the whole index every minute.
const benchFiles = 200_000

// BenchmarkCheck is one server check over a pool whose index holds benchFiles files on
// two drives; reported per check. SMART is off (smartctl runs hourly, not per check).
func BenchmarkCheck(b *testing.B) {
	m := benchMonitor(b)
	for b.Loop() {
		if err := m.Check(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMetrics is one Prometheus scrape: it serves the last check, without disk work.
func BenchmarkMetrics(b *testing.B) {
	m := benchMonitor(b)
	if err := m.Check(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := m.WriteMetrics(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMonitor(b *testing.B) *health.Monitor {
	e := newBenchEnv(b)
	m, err := health.New(context.Background(), e.opt)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// newBenchEnv fills the index of a real two-drive pool with benchFiles entries. Only the
// index: the check never reads the files themselves.
func newBenchEnv(b *testing.B) *env {
	e := newEnv(b, 2)
	e.Share("Photos", 2)
	ds, err := e.Pool.Drives(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	copies := []string{ds[0].ID, ds[1].ID}
	ctx := context.Background()
	for start := 0; start < benchFiles; start += 10_000 {
		err := e.Env.Cat.Update(ctx, func(tx *catalog.Tx) error {
			var es []catalog.Entry
			for i := start; i < start+10_000; i++ {
				es = append(es, catalog.Entry{Path: fmt.Sprintf("Photos/%06d.jpg", i), Size: 3 << 20, ModTime: time.Now(),
					Hash: make([]byte, 32), Gen: uint64(i + 1), Copies: copies})
			}
			return tx.PutEntries(ctx, es)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return e
}
