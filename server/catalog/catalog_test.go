package catalog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func open(t *testing.T) (*Catalog, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.db")
	c, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, path
}

func update(t *testing.T, c *Catalog, fn func(ctx context.Context, tx *Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := c.Update(ctx, func(tx *Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func paths(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Path)
	}
	return out
}

func TestEntriesTree(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	mt := time.Unix(1700000000, 5)
	update(t, c, func(ctx context.Context, tx *Tx) error {
		addDrives(ctx, t, tx, "d1", "d2")
		for _, e := range []Entry{
			{Path: "Docs", Dir: true, Gen: 1},
			{Path: "Docs/a", Dir: true, Gen: 2},
			{Path: "Docs/a/x", Size: 3, Gen: 3, ModTime: mt, Hash: []byte{1}, Copies: []string{"d1", "d2"}},
			{Path: "Docs/a/y", Size: 4, Gen: 4, Copies: []string{"d2"}},
			{Path: "Docs/ab", Size: 5, Gen: 5, Copies: []string{"d1"}}, // sorts between a/ and a0
			{Path: "Docs/a0", Size: 6, Gen: 6},
		} {
			if err := tx.PutEntry(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	c.View(ctx, func(tx *Tx) error {
		e, err := tx.Entry(ctx, "Docs/a/x")
		if err != nil {
			t.Fatal(err)
		}
		want := Entry{Path: "Docs/a/x", Size: 3, Gen: 3, ModTime: mt, Hash: []byte{1}, Copies: []string{"d1", "d2"}}
		if d := cmp.Diff(want, e); d != "" {
			t.Errorf("Entry (-want +got):\n%s", d)
		}
		if _, err := tx.Entry(ctx, "Docs/none"); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing entry: %v", err)
		}
		tree, _ := tx.Tree(ctx, "Docs/a")
		if d := cmp.Diff([]string{"Docs/a", "Docs/a/x", "Docs/a/y"}, paths(tree)); d != "" {
			t.Errorf("Tree (-want +got):\n%s", d)
		}
		kids, _ := tx.Children(ctx, "Docs")
		if d := cmp.Diff([]string{"Docs/a", "Docs/a0", "Docs/ab"}, paths(kids)); d != "" {
			t.Errorf("Children (-want +got):\n%s", d)
		}
		on, _ := tx.FilesOnDrive(ctx, "d1", "", 10)
		if d := cmp.Diff([]string{"Docs/a/x", "Docs/ab"}, paths(on)); d != "" {
			t.Errorf("FilesOnDrive (-want +got):\n%s", d)
		}
		tot, _ := tx.Totals(ctx, "Docs/a")
		if tot != (Totals{Files: 2, Bytes: 7}) {
			t.Errorf("Totals = %+v", tot)
		}
		return nil
	})
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.RenameTree(ctx, "Docs/a", "Docs/b", 9) })
	c.View(ctx, func(tx *Tx) error {
		moved, _ := tx.Tree(ctx, "Docs/b")
		if d := cmp.Diff([]string{"Docs/b", "Docs/b/x", "Docs/b/y"}, paths(moved)); d != "" {
			t.Errorf("after rename (-want +got):\n%s", d)
		}
		if moved[0].Gen != 9 || moved[1].Gen != 3 {
			t.Errorf("gens after rename: %d %d, want 9 3", moved[0].Gen, moved[1].Gen)
		}
		kids, _ := tx.Children(ctx, "Docs/b")
		if len(kids) != 2 {
			t.Errorf("children of the moved folder: %v", paths(kids))
		}
		if left, _ := tx.Tree(ctx, "Docs/a"); len(left) != 0 {
			t.Errorf("old tree still there: %v", paths(left))
		}
		return nil
	})
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteTree(ctx, "Docs/b") })
	c.View(ctx, func(tx *Tx) error {
		all, _ := tx.Tree(ctx, "Docs")
		if d := cmp.Diff([]string{"Docs", "Docs/a0", "Docs/ab"}, paths(all)); d != "" {
			t.Errorf("after delete (-want +got):\n%s", d)
		}
		return nil
	})
}

func TestUpdateRollsBack(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := c.Update(ctx, func(tx *Tx) error {
		tx.PutShare(ctx, Share{Name: "Docs", Copies: 2})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	c.View(ctx, func(tx *Tx) error {
		if _, err := tx.Share(ctx, "Docs"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a failed transaction left a share behind: %v", err)
		}
		return nil
	})
}

func TestVersionsAndTombstones(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	at := time.Unix(1700000000, 0)
	update(t, c, func(ctx context.Context, tx *Tx) error {
		addDrives(ctx, t, tx, "d1", "d2")
		tx.AddVersion(ctx, Version{Path: "Docs/f", Gen: 3, Size: 1, Retired: at, Copies: []string{"d1"}})
		tx.AddVersion(ctx, Version{Path: "Docs/f", Gen: 3, Size: 1, Retired: at, Copies: []string{"d2"}})
		tx.AddVersion(ctx, Version{Path: "Docs/f", Gen: 7, Size: 2, Retired: at, Copies: []string{"d1"}})
		tx.AddTombstone(ctx, Tombstone{Path: "Docs/f", Gen: 8, At: at})
		return tx.AddTombstone(ctx, Tombstone{Path: "Docs/f", Gen: 5, At: at})
	})
	c.View(ctx, func(tx *Tx) error {
		vs, _ := tx.Versions(ctx, "Docs/f")
		if len(vs) != 2 || vs[0].Gen != 7 || len(vs[1].Copies) != 2 {
			t.Errorf("Versions = %+v", vs)
		}
		ts, _ := tx.Tombstones(ctx)
		if len(ts) != 1 || ts[0].Gen != 8 {
			t.Errorf("an older delete replaced a newer one: %+v", ts)
		}
		return nil
	})
	update(t, c, func(ctx context.Context, tx *Tx) error {
		vs, _ := tx.Versions(ctx, "Docs/f")
		tx.RemoveVersionCopy(ctx, vs[1].ID, "d1")
		tx.RemoveVersionCopy(ctx, vs[0].ID, "d1")
		return nil
	})
	c.View(ctx, func(tx *Tx) error {
		vs, _ := tx.Versions(ctx, "Docs/f")
		if len(vs) != 1 || vs[0].Gen != 3 || len(vs[0].Copies) != 1 {
			t.Errorf("after removing copies: %+v", vs)
		}
		return nil
	})
}

func TestReopenAndNewerSchema(t *testing.T) {
	c, path := open(t)
	ctx := context.Background()
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.SetMetaUint(ctx, "gen", 42) })
	c.db.ExecContext(ctx, "PRAGMA user_version = 99")
	c.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("a catalog from a newer version was opened")
	}
	c2, _ := Open(ctx, path+"-fresh")
	defer c2.Close()
	c2.View(ctx, func(tx *Tx) error {
		if v, _ := tx.MetaUint(ctx, "gen"); v != 0 {
			t.Errorf("fresh catalog gen = %d", v)
		}
		return nil
	})
}

func addDrives(ctx context.Context, t *testing.T, tx *Tx, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := tx.PutDrive(ctx, Drive{ID: id, Path: "/mnt/" + id, Label: id, State: "active"}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDriveNumbersAndCopies(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	update(t, c, func(ctx context.Context, tx *Tx) error {
		addDrives(ctx, t, tx, "a", "b", "c")
		if err := tx.PutEntry(ctx, Entry{Path: "S/f", Size: 10, Copies: []string{"a", "c"}}); err != nil {
			return err
		}
		if err := tx.PutEntry(ctx, Entry{Path: "S/g", Copies: []string{"nope"}}); err == nil {
			t.Error("a copy on a drive the catalog does not know was accepted")
		}
		return nil
	})
	update(t, c, func(ctx context.Context, tx *Tx) error { return tx.DeleteDrive(ctx, "a") })
	update(t, c, func(ctx context.Context, tx *Tx) error {
		addDrives(ctx, t, tx, "d") // takes the number a had
		return tx.AddCopy(ctx, "S/f", "d")
	})
	c.View(ctx, func(tx *Tx) error {
		e, _ := tx.Entry(ctx, "S/f")
		if d := cmp.Diff([]string{"d", "c"}, e.Copies); d != "" && cmp.Diff([]string{"c", "d"}, e.Copies) != "" {
			t.Errorf("copies after a drive left and another came: %v", e.Copies)
		}
		uses, _ := tx.DriveUses(ctx)
		if uses["c"].Files != 1 || uses["c"].Bytes != 10 || uses["b"].Files != 0 {
			t.Errorf("DriveUses = %+v", uses)
		}
		return nil
	})
	// A failed transaction that numbered a drive must not leave the number behind.
	c.Update(ctx, func(tx *Tx) error {
		addDrives(ctx, t, tx, "ghost")
		return errors.New("roll back")
	})
	c.View(ctx, func(tx *Tx) error {
		if _, err := tx.bit(ctx, "ghost"); err == nil {
			t.Error("a rolled back drive still has a number")
		}
		return nil
	})
}
