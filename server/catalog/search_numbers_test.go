package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkNumbers checks that every entry's number lies in its share's range (what a search
// asks the FTS index for), that no two entries share one, and that every entry but a
// share's own folder is found by its whole name in its own share, and in no other.
func checkNumbers(t *testing.T, c *Catalog) {
	t.Helper()
	var n, distinct, outside int
	err := c.db.QueryRow(fmt.Sprintf(`SELECT count(*), count(DISTINCT e.sid),
			count(*) FILTER (WHERE s.num IS NULL OR e.sid IS NULL OR e.sid >> %d <> s.num)
		FROM entries e LEFT JOIN search_shares s ON s.share = %s`, shareBits, fmt.Sprintf(shareText, "e."))).Scan(&n, &distinct, &outside)
	if err != nil || n != distinct || outside != 0 {
		t.Errorf("%d entries, %d numbers, %d outside their share's range (%v)", n, distinct, outside, err)
	}
	var es []Entry
	update(t, c, func(ctx context.Context, tx *Tx) (err error) {
		es, err = tx.entries(ctx, "WHERE parent <> ''")
		return err
	})
	var shares []string
	for _, e := range es {
		if s := shareOf(e.Path); !strings.Contains(strings.Join(shares, "/")+"/", "/"+s+"/") {
			shares = append(shares, s)
		}
	}
	for _, e := range es {
		name := e.Path[strings.LastIndexByte(e.Path, '/')+1:]
		for _, s := range shares {
			got := find(t, c, name, []string{s}, 1000)
			found := false
			for _, f := range got {
				found = found || f == "0 "+e.Path
			}
			if found != (s == shareOf(e.Path)) {
				t.Errorf("Find(%q, [%s]) = %v", name, s, got)
			}
		}
	}
}

func shareOf(p string) string { s, _, _ := strings.Cut(p, "/"); return s }

// After a bulk build, a file added in each share, a share added, and files and folders
// moved from one share to another are found in their share, and only there.
func TestFindNumbering(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	if err := c.BulkLoad(ctx, func() error { putTree(t, c, searchTree); return nil }); err != nil {
		t.Fatal(err)
	}
	checkNumbers(t, c)
	putTree(t, c, []string{"Photos/added photo.jpg", "Docs/added doc.txt", "Private/added secret.txt", "Backups/added.pack"})
	putTree(t, c, []string{"Music/", "Music/added song.mp3"})
	update(t, c, func(ctx context.Context, tx *Tx) error {
		if err := tx.RenameTree(ctx, "Docs/reports", "Private/reports", 100); err != nil { // a folder
			return err
		}
		if err := tx.RenameTree(ctx, "Photos/Summer 2023/beach.jpg", "Music/beach.jpg", 101); err != nil {
			return err
		}
		return tx.RenameTree(ctx, "Private/secret report.txt", "Photos/not secret.txt", 102) // renamed as well
	})
	checkNumbers(t, c)
	for _, tc := range []struct {
		q      string
		shares []string
		want   []string
	}{
		{"added", []string{"Photos", "Docs"}, []string{"1 Docs/added doc.txt", "1 Photos/added photo.jpg"}},
		{"added", []string{"Music"}, []string{"1 Music/added song.mp3"}},
		{"added", []string{"Private", "Backups"}, []string{"1 Backups/added.pack", "1 Private/added secret.txt"}},
		{"q1.xlsx", []string{"Docs", "Photos", "Music"}, nil},
		{"q1.xlsx", []string{"Private"}, []string{"0 Private/reports/q1.xlsx"}},
		{"beach", []string{"Photos", "Docs", "Private"}, nil},
		{"beach", []string{"Music"}, []string{"1 Music/beach.jpg"}},
		{"secret", []string{"Private"}, []string{"2 Private/added secret.txt"}},
		{"secret", []string{"Photos"}, []string{"2 Photos/not secret.txt"}},
	} {
		if diff := cmp.Diff(tc.want, find(t, c, tc.q, tc.shares, 50)); diff != "" {
			t.Errorf("Find(%q, %v) (-want +got):\n%s", tc.q, tc.shares, diff)
		}
	}
	// A whole share renamed: its entries go to the new name's range.
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.RenameTree(ctx, "Music", "Songs", 103) })
	checkNumbers(t, c)
	if got := find(t, c, "beach", []string{"Music"}, 50); got != nil {
		t.Errorf("after Music became Songs, Find(beach, [Music]) = %v", got)
	}
	if got := find(t, c, "beach", []string{"Songs"}, 50); len(got) != 1 {
		t.Errorf("after Music became Songs, Find(beach, [Songs]) = %v", got)
	}
	// A rebuild numbers everything again, in ranges of its own.
	if err := c.reindexNames(ctx); err != nil {
		t.Fatal(err)
	}
	checkNumbers(t, c)
	// And a share made after it gets a range after the others'.
	putTree(t, c, []string{"Videos/", "Videos/beach.mp4"})
	checkNumbers(t, c)
}

// A catalog indexed by step 10 (sids in one sequence) is numbered by share when opened,
// and finds what a new one finds.
func TestFindMigrationFromStep10(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	const before = 10 // the schema before step 11
	for _, m := range migrations[:before] {
		if _, err := db.Exec(m); err != nil {
			t.Fatal(err)
		}
	}
	// Step 10's triggers number and index them.
	for i, p := range searchTree {
		dir := strings.HasSuffix(p, "/")
		p = strings.TrimSuffix(p, "/")
		if _, err := db.Exec(`INSERT INTO entries(path, parent, dir, size, mtime_ns, gen) VALUES (?, ?, ?, 0, 0, ?)`,
			p, parentOf(p), dir, i+1); err != nil {
			t.Fatal(err)
		}
	}
	var indexed int
	if err := db.QueryRow(`SELECT count(*) FROM names_fts WHERE names_fts MATCH '"report"'`).Scan(&indexed); err != nil || indexed != 5 {
		t.Fatalf("step 10 indexed %d names holding report (%v), want 5", indexed, err)
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
	checkFindCases(t, c)
	checkNumbers(t, c)
}
