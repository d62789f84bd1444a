package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/hearth-home/hearth/bench/internal/summary"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
)

// rebuildBench makes a pool of n small files (a folder of 100 written through the pool,
// then copied with its extended attributes, as a restore from backup would), loses the
// catalog, and compares the rebuild with a walk of the same tree.
func rebuildBench(dir string, n int) {
	ctx := context.Background()
	b := newPool(dir, "rebuild", 1)
	_, err := b.p.Mkdir(ctx, "Bench/t", time.Time{})
	check(err)
	for i := range 100 {
		_, err := b.p.WriteFile(ctx, fmt.Sprintf("Bench/t/f%03d", i), bytes.NewReader([]byte(fmt.Sprint(i))), pool.WriteOptions{})
		check(err)
	}
	b.close()
	root := filepath.Join(dir, "rebuild")
	share := filepath.Join(root, "drive0", "Shares", "Bench")
	for i := 1; i < n/100; i++ {
		out, err := exec.Command("cp", "-a", filepath.Join(share, "t"), filepath.Join(share, fmt.Sprintf("t%05d", i))).CombinedOutput()
		if err != nil {
			check(fmt.Errorf("cp: %v: %s", err, out))
		}
	}
	walk := func(stat bool) time.Duration {
		return timeIt(func() {
			filepath.WalkDir(share, func(_ string, d fs.DirEntry, err error) error {
				check(err)
				if stat {
					_, err = d.Info()
				}
				return err
			})
		})
	}
	walk(true) // warm the cache for everyone alike
	names, stats := walk(false), walk(true)
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(root, "catalog.db") + s)
	}
	var files int64
	stopProfile := startProfile()
	took := timeIt(func() {
		cat, err := catalog.Open(ctx, filepath.Join(root, "catalog.db"))
		check(err)
		p, err := pool.Open(ctx, pool.Options{Catalog: cat, Logger: quiet, Reserve: 1, DriveHints: []string{filepath.Join(root, "drive0")}})
		check(err)
		p.Close(ctx)
		cat.Close()
	})
	stopProfile()
	cat, err := catalog.Open(ctx, filepath.Join(root, "catalog.db"))
	check(err)
	cat.View(ctx, func(tx *catalog.Tx) error {
		t, err := tx.Totals(ctx, "")
		files = t.Files
		return err
	})
	cat.Close()
	if files != int64(n/100*100) {
		check(fmt.Errorf("rebuild found %d files, want %d", files, n/100*100))
	}
	fmt.Printf("| rebuild the index of %d files from the drive (warm cache) | walk with stat %s, names only %s | %s | %.2f× the walk with stat, %.2f× names only | ≤ 1.5× |\n",
		files, stats.Round(time.Millisecond), names.Round(time.Millisecond), took.Round(time.Millisecond),
		took.Seconds()/stats.Seconds(), took.Seconds()/names.Seconds())
	// The goal, a rebuild within 1.5 times the walk, is a ratio of the walk's time over
	// the rebuild's of at least 1/1.5.
	check(summary.Add(summary.Figure{Work: fmt.Sprintf("index rebuild, %d files, against a walk with stat", files),
		Hearth: took.Round(time.Millisecond).String(), Peer: "walk " + stats.Round(time.Millisecond).String(),
		Ratio: stats.Seconds() / took.Seconds(), Goal: 1 / 1.5}))
}

var cpuProfile = flag.String("cpuprofile", "", "write CPU profiles of the rebuild and the reads to this path plus .rebuild, .small-read, ...")

func startProfile() func() { return startProfileNamed("rebuild") }

// startProfileNamed profiles one part of the run into <cpuprofile>.<name>.
func startProfileNamed(name string) func() {
	if *cpuProfile == "" {
		return func() {}
	}
	f, err := os.Create(*cpuProfile + "." + name)
	check(err)
	check(pprof.StartCPUProfile(f))
	return func() { pprof.StopCPUProfile(); f.Close() }
}
