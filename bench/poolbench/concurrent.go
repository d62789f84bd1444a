package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/hearth-home/hearth/server/pool"
)

// concurrentBench writes n files from w goroutines at once (a photo import or a sync
// client sending several files together), through the plain atomic write and through
// the pool with one copy: the case where writers finishing together can share their
// folder's fsync and the catalog's transaction.
func concurrentBench(dir string, data []byte, n, w int) {
	total := int64(len(data)) * int64(n)
	plainDir := filepath.Join(dir, "concurrent-plain")
	fresh := func() { os.RemoveAll(plainDir); check(os.MkdirAll(plainDir, 0o755)) }
	plain := medianOf(fresh, func() { inParallel(n, w, func(from, to int) { atomicWriteRange(plainDir, data, from, to) }) })
	var one benchPool
	run := 0
	next := func() {
		if one.p != nil {
			one.close()
		}
		run++
		one = newPool(dir, fmt.Sprintf("concurrent-%d", run), 1)
	}
	stop := startProfileNamed("small-write-concurrent")
	p := medianOf(next, func() { inParallel(n, w, func(from, to int) { poolWriteRange(one, data, from, to) }) })
	stop()
	one.close()
	os.RemoveAll(plainDir)
	row(fmt.Sprintf("write %d × %s, 1 copy, %d writers at once (plain atomic, as many writers)", n, human(int64(len(data))), w),
		total, plain, p, 0.9)
}

// inParallel splits [0, n) into w runs done at once.
func inParallel(n, w int, fn func(from, to int)) {
	var wg sync.WaitGroup
	for i := range w {
		wg.Go(func() { fn(i*n/w, (i+1)*n/w) })
	}
	wg.Wait()
}

// atomicWriteRange is atomicWrite for files from..to-1.
func atomicWriteRange(dir string, data []byte, from, to int) {
	d, err := os.Open(dir)
	check(err)
	defer d.Close()
	for i := from; i < to; i++ {
		tmp := filepath.Join(dir, fmt.Sprintf(".tmp%06d", i))
		f, err := os.Create(tmp)
		check(err)
		_, err = f.Write(data)
		check(err)
		check(f.Sync())
		check(f.Close())
		check(os.Rename(tmp, filepath.Join(dir, fmt.Sprintf("f%06d", i))))
		check(d.Sync())
	}
}

// poolWriteRange is poolWrite for files from..to-1.
func poolWriteRange(b benchPool, data []byte, from, to int) {
	ctx := context.Background()
	for i := from; i < to; i++ {
		w, err := b.p.Create(ctx, fmt.Sprintf("Bench/f%06d", i), pool.WriteOptions{Size: int64(len(data))})
		check(err)
		_, err = w.Write(data)
		check(err)
		_, err = w.Commit(ctx)
		check(err)
	}
}
