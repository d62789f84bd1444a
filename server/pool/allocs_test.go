package pool_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// The allocations of writing and of reading a small file are bounded (counts, not
// timings): each is a few hundred bytes of garbage per file at most, and a change that
// adds a query or a buffer per file shows here. Measured when the bounds were set: 304
// for a write (most of them the catalog's queries, through database/sql), 17 for a read.
func TestSmallFileAllocations(t *testing.T) {
	e := pooltest.New(t, 1)
	e.Share("Bench", 1)
	ctx := context.Background()
	data := bytes.Repeat([]byte("sixteen KiB file"), 1024)
	i := 0
	write := testing.AllocsPerRun(50, func() {
		i++
		if _, err := e.Pool.WriteFile(ctx, fmt.Sprintf("Bench/f%d", i), bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
	})
	buf := make([]byte, 1<<20)
	read := testing.AllocsPerRun(50, func() {
		f, err := e.Pool.Open(ctx, "Bench/f1")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := io.ReadFull(f, buf[:len(data)]); err != nil || n != len(data) {
			t.Fatal(n, err)
		}
		f.Close()
	})
	t.Logf("allocations: %.0f to write a 16 KiB file, %.0f to read it", write, read)
	for _, c := range []struct {
		what      string
		got, most float64
	}{{"write", write, 340}, {"read", read, 24}} {
		if c.got > c.most {
			t.Errorf("a %s of a 16 KiB file makes %.0f allocations, more than %.0f", c.what, c.got, c.most)
		}
	}
}
