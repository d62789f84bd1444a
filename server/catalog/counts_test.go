package catalog

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// scanCounts counts entries the slow way, as the counters must.
func scanCounts(t *testing.T, c *Catalog) map[string]CopyCount {
	t.Helper()
	out := map[string]CopyCount{}
	update(t, c, func(ctx context.Context, tx *Tx) error {
		var after string
		for {
			es, err := tx.Files(ctx, "", after, 1000)
			if err != nil || len(es) == 0 {
				return err
			}
			after = es[len(es)-1].Path
			for _, e := range es {
				k := strings.SplitN(e.Path, "/", 2)[0] + " " + strings.Join(e.Copies, ",")
				cc := out[k]
				cc.Files++
				cc.Bytes += e.Size
				out[k] = cc
			}
		}
	})
	return out
}

func counted(t *testing.T, c *Catalog) (map[string]CopyCount, Totals) {
	t.Helper()
	out := map[string]CopyCount{}
	var tot Totals
	update(t, c, func(ctx context.Context, tx *Tx) error {
		cs, err := tx.CopyCounts(ctx)
		for _, cc := range cs {
			if cc.Files > 0 {
				out[cc.Share+" "+strings.Join(cc.Copies, ",")] = CopyCount{Files: cc.Files, Bytes: cc.Bytes}
			}
		}
		if err != nil {
			return err
		}
		tot, err = tx.Totals(ctx, "")
		return err
	})
	return out, tot
}

// The counters agree with a walk of the index after every kind of change: new files and
// folders, new content, copies added and removed, moves within and between shares,
// deletes of trees, and a bulk load (which counts once at the end).
func TestCopyCountsFollowEveryChange(t *testing.T) {
	c, _ := open(t)
	now := time.Unix(1700000000, 0)
	steps := []struct {
		name string
		fn   func(ctx context.Context, tx *Tx) error
	}{
		{"new files", func(ctx context.Context, tx *Tx) error {
			addDrives(ctx, t, tx, "d1", "d2")
			return tx.PutEntries(ctx, []Entry{
				{Path: "A", Dir: true, ModTime: now}, {Path: "B", Dir: true, ModTime: now},
				{Path: "A/x", Dir: true, ModTime: now},
				{Path: "A/x/1", Size: 10, ModTime: now, Copies: []string{"d1"}},
				{Path: "A/x/2", Size: 20, ModTime: now, Copies: []string{"d1", "d2"}},
				{Path: "B/3", Size: 30, ModTime: now, Copies: []string{"d2"}},
			})
		}},
		{"new content", func(ctx context.Context, tx *Tx) error {
			return tx.PutEntry(ctx, Entry{Path: "A/x/1", Size: 15, ModTime: now, Copies: []string{"d2"}})
		}},
		{"copies", func(ctx context.Context, tx *Tx) error {
			if err := tx.AddCopy(ctx, "B/3", "d1"); err != nil {
				return err
			}
			return tx.RemoveCopy(ctx, "A/x/2", "d1")
		}},
		{"move between shares", func(ctx context.Context, tx *Tx) error { return tx.RenameTree(ctx, "A/x", "B/x", 9) }},
		{"delete a tree", func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "B/x") }},
	}
	check := func(step string) {
		want := scanCounts(t, c)
		got, tot := counted(t, c)
		if len(got) != len(want) {
			t.Errorf("after %s: counters %v, want %v", step, got, want)
		}
		var files, bytes int64
		for k, w := range want {
			if g := got[k]; g.Files != w.Files || g.Bytes != w.Bytes {
				t.Errorf("after %s: %s counted %+v, want %+v", step, k, got[k], w)
			}
			files, bytes = files+w.Files, bytes+w.Bytes
		}
		if tot.Files != files || tot.Bytes != bytes {
			t.Errorf("after %s: totals %+v, want %d files, %d bytes", step, tot, files, bytes)
		}
	}
	for _, s := range steps {
		update(t, c, s.fn)
		check(s.name)
	}
	ctx := context.Background()
	err := c.BulkLoad(ctx, func() error {
		return c.Update(ctx, func(tx *Tx) error {
			return tx.PutEntries(ctx, []Entry{{Path: "C", Dir: true, ModTime: now}, {Path: "C/4", Size: 40, ModTime: now, Copies: []string{"d1"}}})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	check("a bulk load")
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "C/4") })
	check("a delete after the bulk load (its triggers are back)")
	if got, _ := counted(t, c); !slices.ContainsFunc(mapKeys(got), func(k string) bool { return strings.HasPrefix(k, "B ") }) {
		t.Errorf("no counter for share B: %v", got)
	}
}

func mapKeys(m map[string]CopyCount) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A share's totals come from the counters, and agree with counting its entries: without
// the share's own folder, with files and folders at every depth, after a move between
// shares and a delete, and for a share with no folder entry of its own.
func TestShareTotalsFromCounters(t *testing.T) {
	c, _ := open(t)
	putTree(t, c, []string{"Docs/", "Docs/a.txt", "Docs/sub/", "Docs/sub/b.txt", "Docs/sub/deep/", "Docs/sub/deep/c",
		"Photos/", "Photos/x.jpg", "Loose/y", "Loose/z/"})
	slow := func(share string) Totals {
		var tot Totals
		err := c.db.QueryRow(`SELECT coalesce(sum(dir = 0), 0), coalesce(sum(dir), 0), coalesce(sum(size), 0) FROM entries
			WHERE path >= ? AND path < ?`, share+"/", share+"0").Scan(&tot.Files, &tot.Dirs, &tot.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return tot
	}
	check := func(when string) {
		t.Helper()
		for _, share := range []string{"Docs", "Photos", "Loose", "Nowhere"} {
			var got Totals
			update(t, c, func(ctx context.Context, tx *Tx) (err error) { got, err = tx.Totals(ctx, share); return err })
			if want := slow(share); got != want {
				t.Errorf("%s: Totals(%s) = %+v, counting gives %+v", when, share, got, want)
			}
		}
	}
	check("as put")
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.RenameTree(ctx, "Docs/sub", "Photos/sub", 100) })
	check("after a move between shares")
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Photos/sub/deep") })
	check("after a delete")
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Docs") })
	check("after the share's folder went")
}
