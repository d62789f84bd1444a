package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/hearth-home/hearth/server/pool"
)

// scrubBench writes n files of size bytes into a pool of two drives on this disk, two
// copies each, so that nothing needs repair while it is measured, and times a scrub
// against cat of every copy, one cat per drive at once (the drives' raw sequential
// reading), both from a cold page cache: the cache is dropped before each run.
func scrubBench(dir string, n, size int) {
	if !coldCache {
		fmt.Println("| scrub | skipped: it needs root to drop the page cache | | | |")
		return
	}
	ctx := context.Background()
	b := newPool(dir, "scrub", 2)
	defer b.close()
	data := make([]byte, size)
	for i := range n {
		fill(data)
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16) // every file its own
		_, err := b.p.WriteFile(ctx, fmt.Sprintf("Bench/f%06d", i), bytes.NewReader(data), pool.WriteOptions{Size: int64(size)})
		check(err)
	}
	root := filepath.Join(dir, "scrub")
	shares := []string{filepath.Join(root, "drive0", "Shares", "Bench"), filepath.Join(root, "drive1", "Shares", "Bench")}
	cat := medianOf(func() { check(dropCaches()) }, func() { catAll(shares) })
	var rep pool.ScrubReport
	stop := startProfileNamed("scrub")
	scrub := medianOf(func() { check(dropCaches()) }, func() {
		var err error
		rep, err = b.p.Scrub(ctx)
		check(err)
	})
	stop()
	if rep.Copies != 2*n || rep.Bad != 0 || rep.Healed != 0 || rep.Skipped != 0 {
		check(fmt.Errorf("the scrub was not of a sound pool: %+v", rep))
	}
	total := 2 * int64(n) * int64(size)
	row(fmt.Sprintf("scrub of %d × %s, 2 copies on 2 drives of one disk, cold cache (cat of every copy, one per drive at once)",
		n, human(int64(size))), total, cat, scrub, 0.9)
}

// catAll reads every file below each folder with cat, one cat per folder at once.
func catAll(dirs []string) {
	var wg sync.WaitGroup
	for _, d := range dirs {
		wg.Go(func() {
			cmd := exec.Command("sh", "-c", `find "$1" -type f -exec cat {} + >/dev/null`, "sh", d)
			cmd.Stderr = os.Stderr
			check(cmd.Run())
		})
	}
	wg.Wait()
}
