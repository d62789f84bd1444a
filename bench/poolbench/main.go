// Command poolbench measures the storage pool against a plain copy on the same
// filesystem, side by side in one run, and prints the ratios. Timings vary with the
// machine; run it a few times before believing a number.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hearth-home/hearth/bench/internal/summary"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
)

var (
	dirFlag   = flag.String("dir", "", "where to work (default: a temp folder on the disk under test)")
	largeMB   = flag.Int("large-mb", 256, "size of each large file in MiB")
	largeN    = flag.Int("large-n", 6, "number of large files")
	smallN    = flag.Int("small-n", 2000, "number of small files")
	smallKB   = flag.Int("small-kb", 16, "size of each small file in KiB")
	rebuildN  = flag.Int("rebuild-n", 100000, "files in the rebuild test")
	runs      = flag.Int("runs", 3, "runs of every measurement (medians are reported)")
	writers   = flag.Int("writers", 4, "concurrent writers in the small files' concurrent write (0: skip it)")
	scrubN    = flag.Int("scrub-n", 64, "files in the scrub test (0: skip it)")
	scrubKB   = flag.Int("scrub-kb", 8192, "size of each file in the scrub test in KiB")
	quiet     = slog.New(slog.NewTextHandler(io.Discard, nil))
	coldCache = true
)

func main() {
	flag.Parse()
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("/var/tmp", "poolbench-")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	if err := dropCaches(); err != nil {
		coldCache = false
		fmt.Println("note: cannot drop the page cache (needs root); reads measure cached data")
	}
	fmt.Printf("poolbench in %s, %s\n\n", dir, time.Now().Format(time.RFC3339))
	large := make([]byte, *largeMB<<20)
	fill(large)
	small := make([]byte, *smallKB<<10)
	fill(small)
	fmt.Println("| work | plain copy | pool | ratio (pool / plain speed) | target |")
	fmt.Println("|---|---|---|---|---|")
	// A count of 0 skips that part.
	if *largeN > 0 {
		writeBench(dir, "large", large, *largeN)
	}
	if *smallN > 0 {
		writeBench(dir, "small", small, *smallN)
	}
	if *scrubN > 0 {
		scrubBench(dir, *scrubN, *scrubKB<<10)
	}
	if *rebuildN > 0 {
		rebuildBench(dir, *rebuildN)
	}
}

// writeBench writes n files through a plain durable copy, the pool with one copy, and
// the pool with two copies on drives of the same disk, then reads them back cold.
func writeBench(dir, kind string, data []byte, n int) {
	total := int64(len(data)) * int64(n)
	plainDir := filepath.Join(dir, kind+"-plain")
	fresh := func() { os.RemoveAll(plainDir); check(os.MkdirAll(plainDir, 0o755)) }
	plainSync := medianOf(fresh, func() { plainWrite(plainDir, data, n, true) })
	plainAtomic := medianOf(fresh, func() { atomicWrite(plainDir, data, n) })
	plainNoSync := medianOf(fresh, func() { plainWrite(plainDir, data, n, false) })
	var one, two benchPool
	run := 0
	pools := func(p *benchPool, copies int) func() {
		return func() {
			if p.p != nil {
				p.close()
			}
			run++
			*p = newPool(dir, fmt.Sprintf("%s-%d-%d", kind, copies, run), copies)
		}
	}
	stop := startProfileNamed(kind + "-write")
	pool1 := medianOf(pools(&one, 1), func() { poolWrite(one, data, n) })
	stop()
	pool2 := medianOf(pools(&two, 2), func() { poolWrite(two, data, n) })
	label := fmt.Sprintf("write %d × %s", n, human(int64(len(data))))
	// The goals (issue 21): a large file against a plain fsynced copy, small files against
	// the plain atomic write with the same durability as the pool's.
	row(label+", 1 copy (plain with fsync)", total, plainSync, pool1, goalIf(kind == "large", 0.9))
	row(label+", 1 copy (plain atomic: temp, fsync, rename, folder fsync)", total, plainAtomic, pool1, goalIf(kind == "small", 0.9))
	row(label+", 1 copy (plain without fsync, not durable)", total, plainNoSync, pool1, 0)
	row(label+", 2 copies on one disk", total, plainSync, pool2, 0.45)
	if kind == "small" && *writers > 1 {
		concurrentBench(dir, data, n, *writers)
	}
	plainReadAll(plainDir)
	poolReadAll(one.p, n)
	plainWarm := medianOf(func() {}, func() { plainReadAll(plainDir) })
	stop = startProfileNamed(kind + "-read")
	poolWarm := medianOf(func() {}, func() { poolReadAll(one.p, n) })
	stop()
	row(fmt.Sprintf("read %d × %s, warm cache", n, human(int64(len(data)))), total, plainWarm, poolWarm, 0.9)
	if coldCache {
		plainRead := medianOf(func() { dropCaches() }, func() { plainReadAll(plainDir) })
		poolRead := medianOf(func() { dropCaches() }, func() { poolReadAll(one.p, n) })
		row(fmt.Sprintf("read %d × %s, cold cache (catalog too)", n, human(int64(len(data)))), total, plainRead, poolRead, 0.9)
	}
	one.close()
	two.close()
	os.RemoveAll(plainDir)
}

// medianOf times fn -runs times, each after prepare, and returns the median.
func medianOf(prepare, fn func()) time.Duration {
	var d []time.Duration
	for range max(*runs, 1) {
		prepare()
		d = append(d, timeIt(fn))
	}
	return summary.Median(d)
}

func goalIf(ok bool, goal float64) float64 {
	if ok {
		return goal
	}
	return 0
}

// row prints one comparison and adds it to make bench's summary.
func row(what string, bytes int64, plain, pool time.Duration, goal float64) {
	target := ""
	if goal > 0 {
		target = fmt.Sprintf("≥ %.2f×", goal)
	}
	ratio := plain.Seconds() / pool.Seconds()
	fmt.Printf("| %s | %s (%s) | %s (%s) | %.2f× | %s |\n", what, plain.Round(time.Millisecond), rate(bytes, plain),
		pool.Round(time.Millisecond), rate(bytes, pool), ratio, target)
	check(summary.Add(summary.Figure{Work: "pool: " + what, Hearth: rate(bytes, pool), Peer: "plain " + rate(bytes, plain), Ratio: ratio, Goal: goal}))
}

func plainWrite(dir string, data []byte, n int, durable bool) {
	for i := range n {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%06d", i)))
		check(err)
		_, err = f.Write(data)
		check(err)
		if durable {
			check(f.Sync())
		}
		check(f.Close())
	}
	if durable {
		d, err := os.Open(dir)
		check(err)
		check(d.Sync())
		d.Close()
	}
}

// atomicWrite writes each file the way a program that must not lose it does, as the
// pool does: a temp file, fsync, rename into place, fsync of the folder.
func atomicWrite(dir string, data []byte, n int) { atomicWriteRange(dir, data, 0, n) }

func plainReadAll(dir string) {
	ents, err := os.ReadDir(dir)
	check(err)
	for _, e := range ents {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		check(err)
		readAll(f)
		f.Close()
	}
}

type benchPool struct {
	p   *pool.Pool
	cat *catalog.Catalog
}

func (b benchPool) close() {
	b.p.Close(context.Background())
	b.cat.Close()
}

func newPool(dir, name string, copies int) benchPool {
	ctx := context.Background()
	root := filepath.Join(dir, name)
	check(os.MkdirAll(root, 0o755))
	cat, err := catalog.Open(ctx, filepath.Join(root, "catalog.db"))
	check(err)
	p, err := pool.Open(ctx, pool.Options{Catalog: cat, Logger: quiet, Reserve: 1})
	check(err)
	for i := range copies {
		d := filepath.Join(root, fmt.Sprintf("drive%d", i))
		check(os.Mkdir(d, 0o755))
		_, err := p.AddDrive(ctx, d, "")
		check(err)
	}
	_, err = p.CreateShare(ctx, "Bench", copies, "")
	check(err)
	return benchPool{p, cat}
}

func poolWrite(b benchPool, data []byte, n int) {
	ctx := context.Background()
	for i := range n {
		w, err := b.p.Create(ctx, fmt.Sprintf("Bench/f%06d", i), pool.WriteOptions{Size: int64(len(data))})
		check(err)
		for off := 0; off < len(data); off += 1 << 20 { // as a network upload arrives
			_, err := w.Write(data[off:min(off+1<<20, len(data))])
			check(err)
		}
		_, err = w.Commit(ctx)
		check(err)
	}
}

func poolReadAll(p *pool.Pool, n int) {
	ctx := context.Background()
	for i := range n {
		f, err := p.Open(ctx, fmt.Sprintf("Bench/f%06d", i))
		check(err)
		readAll(f)
		f.Close()
	}
}

// timeIt times fn after writing out what earlier phases left in the page cache, so no
// phase pays for another's writes.
func timeIt(fn func()) time.Duration {
	syscall.Sync()
	start := time.Now()
	fn()
	return time.Since(start)
}

func rate(n int64, d time.Duration) string {
	return human(int64(float64(n)/d.Seconds())) + "/s"
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func fill(b []byte) {
	x := uint64(88172645463325252)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
}

// dropCaches empties the page cache. drop_caches skips dirty pages, so everything is
// written out first (sync(2)), or freshly written files would still read from memory.
func dropCaches() error {
	syscall.Sync()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0o200)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "poolbench:", err)
		os.Exit(1)
	}
}

var readBuf = make([]byte, 1<<20)

// readAll reads r to the end in 1 MiB reads, the same way for the plain files and the
// pool's, as a file server sending them would.
func readAll(r io.Reader) {
	for {
		_, err := r.Read(readBuf)
		if err == io.EOF {
			return
		}
		check(err)
	}
}
