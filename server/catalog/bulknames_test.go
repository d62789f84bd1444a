package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// treeEntries turns paths into entries; a trailing slash makes a folder.
func treeEntries(tree []string) []Entry {
	var es []Entry
	for i, p := range tree {
		e := Entry{Path: p, Gen: uint64(i + 1), Size: int64(len(p))}
		if p[len(p)-1] == '/' {
			e = Entry{Path: p[:len(p)-1], Dir: true, Gen: uint64(i + 1)}
		}
		es = append(es, e)
	}
	return es
}

// A bulk load through PutEntries (as a rebuild of the pool loads) numbers the entries as
// they come, in their shares' ranges; with entries put another way meanwhile (numbered at
// the end), a batch rolled back (its new share's number lost with it) and a file put
// twice, and a folder moved into another share, every entry has a number of its own in
// its share's range, and the searches find
// what a catalog indexed row by row finds. After it the triggers keep the index.
func TestBulkLoadNumbersAsItGoes(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	es := treeEntries(searchTree)
	err := c.BulkLoad(ctx, func() error {
		// A batch rolled back: the share it numbered is not recorded by it.
		err := c.Update(ctx, func(tx *Tx) error {
			if err := tx.PutEntries(ctx, treeEntries([]string{"Gone/", "Gone/report"})); err != nil {
				return err
			}
			return errors.New("rolled back")
		})
		if err == nil {
			t.Fatal("the batch was not rolled back")
		}
		update(t, c, func(ctx context.Context, tx *Tx) error { return tx.PutEntries(ctx, es[:7]) })
		putTree(t, c, []string{"Music/", "Music/a report.mp3"}) // one by one, without a number
		update(t, c, func(ctx context.Context, tx *Tx) error { return tx.PutEntries(ctx, es[5:]) })
		// Moved into another share while the triggers that number it again are off.
		update(t, c, func(ctx context.Context, tx *Tx) error {
			if err := tx.PutEntries(ctx, treeEntries([]string{"Docs/moved/", "Docs/moved/travel plan.txt"})); err != nil {
				return err
			}
			return tx.RenameTree(ctx, "Docs/moved", "Private/moved", 100)
		})
		var numbered, all int
		if err := c.db.QueryRow("SELECT count(sid), count(*) FROM entries").Scan(&numbered, &all); err != nil {
			t.Fatal(err)
		}
		if numbered != len(searchTree)+2 || all != len(searchTree)+4 {
			t.Errorf("during the load %d of %d entries are numbered, want %d of %d", numbered, all, len(searchTree)+2, len(searchTree)+4)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkNumbers(t, c)
	checkFindCases(t, c)
	if diff := cmp.Diff([]string{"2 Music/a report.mp3"}, find(t, c, "report", []string{"Music"}, 50)); diff != "" {
		t.Errorf("an entry put one by one during the load (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2 Private/moved/travel plan.txt"}, find(t, c, "plan", []string{"Private", "Docs"}, 50)); diff != "" {
		t.Errorf("an entry moved to another share during the load (-want +got):\n%s", diff)
	}
	if got := find(t, c, "plan", []string{"Docs"}, 50); got != nil {
		t.Errorf("an entry moved out of Docs during the load is found there: %v", got)
	}
	if got := find(t, c, "report", []string{"Gone"}, 50); got != nil {
		t.Errorf("a rolled-back batch is found: %v", got)
	}
	// The shortest paths come first: a search reads its candidates in number order.
	var paths []string
	rows, err := c.db.Query("SELECT path FROM entries WHERE path LIKE 'Photos/%' ORDER BY sid")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		paths = append(paths, p)
	}
	rows.Close()
	for i := 1; i < len(paths); i++ {
		if len(paths[i]) < len(paths[i-1]) {
			t.Errorf("numbered out of length order: %q after %q", paths[i], paths[i-1])
		}
	}
	putTree(t, c, []string{"Docs/late report.txt"})
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Docs/reports") })
	if diff := cmp.Diff([]string{"0 Photos/report", "2 Docs/late report.txt", "2 Docs/Tax report 2023.pdf"},
		find(t, c, "report", []string{"Photos", "Docs"}, 50)); diff != "" {
		t.Errorf("after changes that followed the load (-want +got):\n%s", diff)
	}
	checkNumbers(t, c)
}

// A share that had entries before keeps its number through a bulk load, and the load
// numbers within that range.
func TestBulkLoadKeepsShareNumbers(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	putTree(t, c, []string{"Docs/", "Docs/a", "Photos/", "Photos/b"})
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Docs") })
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Photos") })
	var before int64
	if err := c.db.QueryRow("SELECT num FROM search_shares WHERE share = 'Photos'").Scan(&before); err != nil {
		t.Fatal(err)
	}
	var tree []string
	for i := range 50 {
		tree = append(tree, fmt.Sprintf("Photos/%s/", strings.Repeat("d", i%7+1)), fmt.Sprintf("Photos/%s/f%d.jpg", strings.Repeat("d", i%7+1), i))
	}
	err := c.BulkLoad(ctx, func() error {
		return c.Update(ctx, func(tx *Tx) error { return tx.PutEntries(ctx, treeEntries(append([]string{"Photos/"}, tree...))) })
	})
	if err != nil {
		t.Fatal(err)
	}
	var after int64
	if err := c.db.QueryRow("SELECT num FROM search_shares WHERE share = 'Photos'").Scan(&after); err != nil || after != before {
		t.Errorf("Photos was number %d, now %d (%v)", before, after, err)
	}
	checkNumbers(t, c)
}
