package catalog

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A folder's page comes sorted as the Files page shows it (folders first, names ignoring
// case breaking ties), one page at a time, with the folder's whole count.
func TestChildrenSorted(t *testing.T) {
	c, _ := open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	update(t, c, func(ctx context.Context, tx *Tx) error {
		for i, e := range []Entry{
			{Path: "S", Dir: true},
			{Path: "S/b.txt", Size: 30, ModTime: t0.Add(1 * time.Hour)},
			{Path: "S/A.txt", Size: 10, ModTime: t0.Add(3 * time.Hour)},
			{Path: "S/c.txt", Size: 20, ModTime: t0.Add(2 * time.Hour)},
			{Path: "S/a.txt", Size: 20, ModTime: t0.Add(3 * time.Hour)},
			{Path: "S/zeta", Dir: true},
			{Path: "S/Alpha", Dir: true},
			{Path: "S/zeta/inside.txt", Size: 99},
			{Path: "T", Dir: true},
			{Path: "T/other.txt", Size: 1},
		} {
			e.Gen = uint64(i + 1)
			if err := tx.PutEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	for _, tc := range []struct {
		name          string
		order         Order
		offset, limit int
		want          []string
	}{
		{"by name", Order{Key: ByName}, 0, 10, []string{"S/Alpha", "S/zeta", "S/A.txt", "S/a.txt", "S/b.txt", "S/c.txt"}},
		{"by name, reversed: folders still first", Order{Key: ByName, Desc: true}, 0, 10, []string{"S/zeta", "S/Alpha", "S/c.txt", "S/b.txt", "S/a.txt", "S/A.txt"}},
		{"by size, names breaking ties", Order{Key: BySize}, 0, 10, []string{"S/Alpha", "S/zeta", "S/A.txt", "S/a.txt", "S/c.txt", "S/b.txt"}},
		{"by date", Order{Key: ByDate}, 0, 10, []string{"S/Alpha", "S/zeta", "S/b.txt", "S/c.txt", "S/A.txt", "S/a.txt"}},
		{"by date, reversed", Order{Key: ByDate, Desc: true}, 0, 10, []string{"S/zeta", "S/Alpha", "S/a.txt", "S/A.txt", "S/c.txt", "S/b.txt"}},
		{"second page", Order{Key: ByName}, 2, 2, []string{"S/A.txt", "S/a.txt"}},
		{"past the end", Order{Key: ByName}, 6, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var n int
			err := c.View(t.Context(), func(tx *Tx) error {
				list, all, err := tx.ChildrenSorted(t.Context(), "S", tc.order, tc.offset, tc.limit)
				got, n = paths(list), all
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("page (-want +got):\n%s", diff)
			}
			if n != 6 {
				t.Errorf("the folder holds %d, want 6", n)
			}
		})
	}
}

// Beside finds the nearest pictures either side in name order, skipping other files and
// folders, and never leaves the folder.
func TestBeside(t *testing.T) {
	c, _ := open(t)
	putTree(t, c, []string{"P/", "P/a.jpg", "P/B.PNG", "P/c.txt", "P/d_x.jpg", "P/e%.txt", "P/folder.jpg/", "P/f.jpeg", "P/sub/", "P/sub/g.jpg", "Q/", "Q/h.jpg"})
	exts := []string{".jpeg", ".jpg", ".png"}
	for _, tc := range []struct{ at, prev, next string }{
		{"P/a.jpg", "", "P/B.PNG"},
		{"P/B.PNG", "P/a.jpg", "P/d_x.jpg"},
		{"P/c.txt", "P/B.PNG", "P/d_x.jpg"},
		{"P/d_x.jpg", "P/B.PNG", "P/f.jpeg"},
		{"P/f.jpeg", "P/d_x.jpg", ""},
		{"Q/h.jpg", "", ""},
	} {
		var prev, next string
		err := c.View(t.Context(), func(tx *Tx) (err error) { prev, next, err = tx.Beside(t.Context(), tc.at, exts); return err })
		if err != nil || prev != tc.prev || next != tc.next {
			t.Errorf("beside %s: %q, %q, %v; want %q, %q", tc.at, prev, next, err, tc.prev, tc.next)
		}
	}
}

// BenchmarkChildrenSorted50000 reads the last page (500) of a 50,000-entry folder
// sorted by name, as the Files page asks for it.
func BenchmarkChildrenSorted50000(b *testing.B) {
	c, err := Open(context.Background(), filepath.Join(b.TempDir(), "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	es := []Entry{{Path: "S", Dir: true}}
	for i := range 50_000 {
		es = append(es, Entry{Path: fmt.Sprintf("S/IMG_%05d.jpg", i), Size: int64(i), Gen: uint64(i + 1)})
	}
	if err := c.Update(context.Background(), func(tx *Tx) error { return tx.PutEntries(context.Background(), es) }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		err := c.View(context.Background(), func(tx *Tx) error {
			list, n, err := tx.ChildrenSorted(context.Background(), "S", Order{Key: ByName}, 49_500, 500)
			if err == nil && (len(list) != 500 || n != 50_000) {
				err = fmt.Errorf("%d of %d", len(list), n)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
