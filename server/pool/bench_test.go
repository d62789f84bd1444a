package pool_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func benchPool(b *testing.B, drives, copies int) *pooltest.Env {
	e := pooltest.New(b, drives)
	e.Share("Bench", copies)
	return e
}

func BenchmarkWriteSmall(b *testing.B) {
	for _, copies := range []int{1, 2} {
		b.Run(fmt.Sprintf("copies=%d", copies), func(b *testing.B) {
			e := benchPool(b, 2, copies)
			data := make([]byte, 16<<10)
			b.SetBytes(int64(len(data)))
			for i := 0; b.Loop(); i++ {
				if _, err := e.Pool.WriteFile(context.Background(), fmt.Sprintf("Bench/f%d", i), bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriteSmallConcurrent writes 16 KiB files from 4 writers at once (a photo
// import, a sync client sending several files together): the case the catalog's group
// commit and the folders' shared fsyncs are for. Profile it with -cpuprofile.
func BenchmarkWriteSmallConcurrent(b *testing.B) {
	for _, copies := range []int{1, 2} {
		b.Run(fmt.Sprintf("copies=%d", copies), func(b *testing.B) {
			e := benchPool(b, 2, copies)
			data := make([]byte, 16<<10)
			b.SetBytes(int64(len(data)))
			var n atomic.Int64
			b.SetParallelism(max(1, 4/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					path := fmt.Sprintf("Bench/f%d", n.Add(1))
					if _, err := e.Pool.WriteFile(context.Background(), path, bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkOpenReadSmall(b *testing.B) {
	e := benchPool(b, 2, 2)
	data := make([]byte, 16<<10)
	for i := range 100 {
		e.Put(fmt.Sprintf("Bench/f%d", i), data)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		f, err := e.Pool.Open(context.Background(), fmt.Sprintf("Bench/f%d", i%100))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := f.Read(buf); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
	}
}

func BenchmarkStat(b *testing.B) {
	e := benchPool(b, 1, 1)
	e.Put("Bench/f", []byte("x"))
	for b.Loop() {
		if _, err := e.Pool.Stat(context.Background(), "Bench/f"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadChecked measures what checking every read costs: the same 64 MiB file
// (in the page cache, so the check is all there is to measure) read whole in order and
// in 1 MiB pieces at random offsets, with the checks (block CRC-32C, and BLAKE3 in
// order) and without them (TrustReads, which only benchmarks set).
func BenchmarkReadChecked(b *testing.B) {
	for _, trusted := range []bool{false, true} {
		name := "checked"
		if trusted {
			name = "unchecked"
		}
		e := pooltest.New(b, 1, func(o *pool.Options) { o.TrustReads = trusted })
		e.Share("Bench", 1)
		const size = 64 << 20
		e.Put("Bench/movie", randBytes(1, size))
		b.Run(name+"/whole", func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				f, err := e.Pool.Open(context.Background(), "Bench/movie")
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, f); err != nil || n != size {
					b.Fatal(n, err)
				}
				f.Close()
			}
		})
		b.Run(name+"/pieces", func(b *testing.B) {
			buf := make([]byte, 1<<20)
			b.SetBytes(int64(len(buf)))
			f, err := e.Pool.Open(context.Background(), "Bench/movie")
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			for i := 0; b.Loop(); i++ {
				off := int64((i*7919)%60) << 20
				if _, err := f.ReadAt(buf, off+12345); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
