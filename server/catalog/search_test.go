package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var searchTree = []string{
	"Photos/", "Photos/Summer 2023/", "Photos/Summer 2023/Été à Paris.JPG", "Photos/Summer 2023/beach.jpg",
	"Photos/report/",
	"Docs/", "Docs/Tax report 2023.pdf", "Docs/reports/", "Docs/reports/q1.xlsx", "Docs/ab.txt", "Docs/x",
	"Private/", "Private/secret report.txt",
	"Backups/", "Backups/pcs/report.json",
}

// putTree indexes paths; a trailing slash makes a folder.
func putTree(t *testing.T, c *Catalog, tree []string) {
	t.Helper()
	update(t, c, func(ctx context.Context, tx *Tx) error {
		for i, p := range tree {
			e := Entry{Path: p, Gen: uint64(i + 1), Size: int64(len(p))}
			if p[len(p)-1] == '/' {
				e = Entry{Path: p[:len(p)-1], Dir: true, Gen: uint64(i + 1)}
			}
			if err := tx.PutEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func find(t *testing.T, c *Catalog, q string, shares []string, limit int) []string {
	t.Helper()
	var out []string
	err := c.View(context.Background(), func(tx *Tx) error {
		fs, err := tx.Find(context.Background(), q, shares, limit)
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%d %s", f.Match, f.Path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type findCase struct {
	name, q string
	shares  []string
	limit   int
	want    []string
}

// findCases are searches of searchTree and what they find.
func findCases() []findCase {
	family := []string{"Photos", "Docs"}
	return []findCase{
		{"whole name, then start, then inside", "report", family, 50,
			[]string{"0 Photos/report", "1 Docs/reports", "2 Docs/Tax report 2023.pdf"}},
		{"limit keeps the best", "report", family, 2, []string{"0 Photos/report", "1 Docs/reports"}},
		{"fragment in the middle", "mmer 20", family, 50, []string{"2 Photos/Summer 2023"}},
		{"case", "PARIS.jpg", family, 50, []string{"2 Photos/Summer 2023/Été à Paris.JPG"}},
		{"accents", "ete a paris", family, 50, []string{"1 Photos/Summer 2023/Été à Paris.JPG"}},
		{"accents in the query", "bèach", family, 50, []string{"1 Photos/Summer 2023/beach.jpg"}},
		{"two characters: prefix only", "ab", family, 50, []string{"1 Docs/ab.txt"}},
		{"two characters do not match inside", "ea", family, 50, nil},
		{"one character: prefix", "B", family, 50, []string{"1 Photos/Summer 2023/beach.jpg"}},
		{"one character: whole name first", "x", family, 50, []string{"0 Docs/x"}},
		{"one accented character", "é", family, 50, []string{"1 Photos/Summer 2023/Été à Paris.JPG"}},
		{"a share the user cannot read", "secret", family, 50, nil},
		{"the same with it", "secret", []string{"Private"}, 50, []string{"1 Private/secret report.txt"}},
		{"only the shares given", "report", []string{"Private", "Backups"}, 50,
			[]string{"1 Backups/pcs/report.json", "2 Private/secret report.txt"}},
		{"a share's name is not a prefix of another's", "report", []string{"Doc", "Photo"}, 50, nil},
		{"a share's own folder is not a result", "Photos", family, 50, nil},
		{"a share that does not exist", "report", []string{"Nowhere"}, 50, nil},
		{"no shares", "report", nil, 50, nil},
		{"a slash", "2023/beach", family, 50, nil},
		{"a quote", `re"port`, family, 50, nil},
		{"blank", "  ", family, 50, nil},
	}
}

func checkFindCases(t *testing.T, c *Catalog) {
	t.Helper()
	for _, tc := range findCases() {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, find(t, c, tc.q, tc.shares, tc.limit)); diff != "" {
				t.Errorf("Find(%q, %v) (-want +got):\n%s", tc.q, tc.shares, diff)
			}
		})
	}
}

func TestFind(t *testing.T) {
	c, _ := open(t)
	putTree(t, c, searchTree)
	checkFindCases(t, c)
}

// More names start with the query than a search reads at once: the whole name still
// comes first, though it was indexed last.
func TestFindManyStarts(t *testing.T) {
	c, _ := open(t)
	tree := []string{"Docs/", "Docs/many/"}
	for i := range searchWindow + 100 {
		tree = append(tree, fmt.Sprintf("Docs/many/IMG_%04d.jpg", i))
	}
	putTree(t, c, tree)
	putTree(t, c, []string{"Docs/last/", "Docs/last/img"})
	want := []string{"0 Docs/last/img", "1 Docs/many/IMG_0000.jpg", "1 Docs/many/IMG_0001.jpg"}
	if diff := cmp.Diff(want, find(t, c, "img", []string{"Docs"}, 3)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// A new file, a rename and a delete are in the search index as soon as their transaction
// commits: with the triggers of the schema step, and with those a rebuild puts back.
func TestFindFollowsChanges(t *testing.T) {
	for _, how := range []string{"indexed row by row", "rebuilt in bulk"} {
		t.Run(how, func(t *testing.T) { testFindFollowsChanges(t, how == "rebuilt in bulk") })
	}
}

func testFindFollowsChanges(t *testing.T, bulk bool) {
	c, _ := open(t)
	if bulk {
		if err := c.BulkLoad(context.Background(), func() error { putTree(t, c, searchTree); return nil }); err != nil {
			t.Fatal(err)
		}
	} else {
		putTree(t, c, searchTree)
	}
	family := []string{"Photos", "Docs"}
	putTree(t, c, []string{"Docs/new letter.odt"})
	update(t, c, func(ctx context.Context, tx *Tx) error {
		if err := tx.RenameTree(ctx, "Docs/reports", "Docs/archive", 100); err != nil {
			return err
		}
		if err := tx.RenameTree(ctx, "Photos/Summer 2023/beach.jpg", "Photos/sand.jpg", 101); err != nil {
			return err
		}
		return tx.DeleteTree(ctx, "Docs/ab.txt")
	})
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"reports", nil},
		{"archive", []string{"0 Docs/archive"}},
		{"q1.x", []string{"1 Docs/archive/q1.xlsx"}}, // moved with its folder
		{"beach", nil},
		{"sand", []string{"1 Photos/sand.jpg"}},
		{"ab", nil},
		{"letter", []string{"2 Docs/new letter.odt"}},
	} {
		if diff := cmp.Diff(tc.want, find(t, c, tc.q, family, 50)); diff != "" {
			t.Errorf("after the changes, Find(%q) (-want +got):\n%s", tc.q, diff)
		}
	}
	// Every entry has a number of its own.
	var n, distinct int
	if err := c.db.QueryRow(`SELECT count(*), count(DISTINCT sid) FROM entries`).Scan(&n, &distinct); err != nil || n != distinct || n != len(searchTree) {
		t.Errorf("%d entries, %d numbers, want %d (%v)", n, distinct, len(searchTree), err)
	}
	// Deleting a folder takes what is below it too.
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Docs") })
	if got := find(t, c, "q1", family, 50); got != nil {
		t.Errorf("a deleted folder's file is still found: %v", got)
	}
}

// A rolled-back change leaves the search index as it was.
func TestFindRollback(t *testing.T) {
	c, _ := open(t)
	putTree(t, c, searchTree)
	c.Update(context.Background(), func(tx *Tx) error {
		tx.RenameTree(context.Background(), "Docs/ab.txt", "Docs/zz.txt", 100)
		return fmt.Errorf("changed my mind")
	})
	if got := find(t, c, "ab", []string{"Docs"}, 50); len(got) != 1 {
		t.Errorf("after a rollback, Find(ab) = %v", got)
	}
}

// A rebuild fills entries without the triggers and builds the search index after; one
// cut off is finished when the catalog is opened again.
func TestFindAfterBulkLoad(t *testing.T) {
	c, path := open(t)
	ctx := context.Background()
	err := c.BulkLoad(ctx, func() error {
		putTree(t, c, searchTree)
		var n int
		c.db.QueryRow("SELECT count(*) FROM entries WHERE sid IS NOT NULL").Scan(&n)
		if n != 0 {
			t.Errorf("the bulk load numbered %d entries row by row", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := find(t, c, "paris", []string{"Photos"}, 50); len(got) != 1 {
		t.Errorf("after a bulk load, Find(paris) = %v", got)
	}
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Photos/Summer 2023") })
	if got := find(t, c, "paris", []string{"Photos"}, 50); got != nil {
		t.Errorf("after a bulk load the triggers are back, yet Find(paris) = %v", got)
	}

	// Cut off: the triggers and the number index are gone and the names are not all there.
	if _, err := c.db.Exec(dropNameTriggers + "DROP INDEX entries_sid; INSERT INTO names_fts(names_fts) VALUES ('delete-all');"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	c2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if got := find(t, c2, "q1", []string{"Docs"}, 50); len(got) != 1 {
		t.Errorf("after a cut-off bulk load and an open, Find(q1) = %v", got)
	}
}

// A catalog from before search gets a full index from its entries when it is opened.
func TestFindMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	const before = 9 // the schema before step 10
	for _, m := range migrations[:before] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range []string{"Docs", "Docs/Tax report.pdf", "Docs/old"} {
		parent := ""
		if i > 0 {
			parent = "Docs"
		}
		if _, err := db.Exec(`INSERT INTO entries(path, parent, dir, size, mtime_ns, gen) VALUES (?, ?, 0, 0, 0, ?)`, p, parent, i+1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", before)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	c, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if diff := cmp.Diff([]string{"2 Docs/Tax report.pdf"}, find(t, c, "report", []string{"Docs"}, 50)); diff != "" {
		t.Errorf("after the migration (-want +got):\n%s", diff)
	}
}
