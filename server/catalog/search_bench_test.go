package catalog

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchNames is how many names the search benchmark indexes: the target is the
// first 50 hits among a million names in under 50 ms.
const benchNames = 1_000_000

var benchWords = []string{"paris", "été", "noël", "beach", "birthday", "garden", "mamie", "école",
	"holiday", "report", "invoice", "tax", "recipe", "concert", "wedding", "café", "piano",
	"football", "camping", "museum", "château", "snow", "forêt", "river", "lake", "budget"}

// benchTree makes a family's pool of n files and folders: photos by year and album,
// music by artist and album, documents in folders.
func benchTree(n int) []Entry {
	r := rand.New(rand.NewPCG(19, 19))
	word := func() string { return benchWords[r.IntN(len(benchWords))] }
	var es []Entry
	add := func(p string, dir bool) {
		es = append(es, Entry{Path: p, Dir: dir, Size: int64(len(p)), Gen: uint64(len(es) + 1), ModTime: time.Unix(1700000000, 0)})
	}
	for _, s := range []string{"Photos", "Music", "Docs"} {
		add(s, true)
	}
	for i := 0; len(es) < n; i++ {
		switch i % 5 {
		case 0, 1, 2: // an album of 100 photos
			album := fmt.Sprintf("Photos/%d/%s %s %d", 2000+i%25, word(), word(), i)
			add(album, true)
			for j := 0; j < 100 && len(es) < n; j++ {
				add(fmt.Sprintf("%s/IMG_%05d.JPG", album, r.IntN(100000)+j*0), false)
			}
		case 3: // an album of 12 songs
			album := fmt.Sprintf("Music/Artist %d/%s %d", i%977, word(), i)
			add(album, true)
			for j := 0; j < 12 && len(es) < n; j++ {
				add(fmt.Sprintf("%s/%02d %s %s.mp3", album, j+1, word(), word()), false)
			}
		default: // a folder of 40 documents
			dir := fmt.Sprintf("Docs/%s %d", word(), i)
			add(dir, true)
			for j := 0; j < 40 && len(es) < n; j++ {
				add(fmt.Sprintf("%s/%s %s %d.pdf", dir, word(), word(), j), false)
			}
		}
	}
	return es
}

func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	path := filepath.Join(dir, "catalog.db")
	c, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	tree := benchTree(benchNames)
	// Fill entries in parent folders' order, as a rebuild does, without the name index.
	err = c.BulkLoad(ctx, func() error {
		for i := 0; i < len(tree); i += 10000 {
			if err := c.Update(ctx, func(tx *Tx) error { return tx.PutEntries(ctx, tree[i:min(i+10000, len(tree))]) }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	sizeOf := func() int64 {
		c.Checkpoint(ctx)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		return st.Size()
	}
	// The catalog's growth: its size with the search index emptied (and the space given
	// back), against its size with it built in bulk.
	if _, err := c.db.ExecContext(ctx, dropNameTriggers+"DROP INDEX entries_sid; UPDATE entries SET sid = NULL; INSERT INTO names_fts(names_fts) VALUES ('delete-all'); VACUUM"); err != nil {
		b.Fatal(err)
	}
	without := sizeOf()
	// ns/op here is the time to build the search index in bulk; the catalog's growth
	// comes with it (b.Log is not shown without -v, a metric is).
	b.Run("bulk-build", func(b *testing.B) {
		for b.Loop() {
			if err := c.reindexNames(ctx); err != nil {
				b.Fatal(err)
			}
		}
		with := sizeOf()
		b.ReportMetric(float64(len(tree)), "names")
		b.ReportMetric(float64(without)/(1<<20), "MiB-before")
		b.ReportMetric(float64(with-without)/(1<<20), "MiB-added")
		b.ReportMetric(float64(with-without)/float64(len(tree)), "B-added/name")
	})

	if ok, err := c.nameIndexComplete(ctx); err != nil || !ok { // -bench left bulk-build out
		if err := c.reindexNames(ctx); err != nil {
			b.Fatal(err)
		}
	}
	all := []string{"Photos", "Music", "Docs"}
	for _, q := range []struct {
		name, q string
		shares  []string
	}{
		{"rare-word", "museum piano", all},
		{"common-word", "paris", all},
		{"extension-everywhere", ".jpg", all},
		{"exact-name", "IMG_04242.JPG", all},
		{"accents", "chateau", all},
		{"two-chars", "ga", all},
		{"one-char", "é", all},
		{"none", "zzzz", all},
		{"matches-only-in-shares-not-given", ".jpg", []string{"Docs"}},
	} {
		b.Run(q.name, func(b *testing.B) {
			var hits int
			for b.Loop() {
				err := c.View(ctx, func(tx *Tx) error {
					fs, err := tx.Find(ctx, q.q, q.shares, 50)
					hits = len(fs)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(hits), "hits")
		})
	}
}
