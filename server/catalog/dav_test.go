package catalog

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPropsFollowMoves: dead properties move with a folder (paths cut in bytes, so
// non-ASCII names are right), stay findable by their new folder, leave a sibling whose
// name merely starts the same alone, and go with a delete.
func TestPropsFollowMoves(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, p := range []string{"S/ä", "S/ä/ü.txt", "S/ä/b/c", "S/äb"} {
		err := c.Update(ctx, func(tx *Tx) error { return tx.SetProp(ctx, p, Prop{Space: "urn:x", Local: "p", InnerXML: []byte(p)}) })
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Update(ctx, func(tx *Tx) error { return tx.MoveProps(ctx, "S/ä", "S/z/ö") }); err != nil {
		t.Fatal(err)
	}
	in := func(dir string) map[string][]Prop {
		var m map[string][]Prop
		c.View(ctx, func(tx *Tx) (err error) { m, err = tx.PropsInRange(ctx, dir, "", "\U0010FFFF"); return err })
		return m
	}
	if m := in("S/z/ö"); len(m) != 1 || len(m["S/z/ö/ü.txt"]) != 1 || string(m["S/z/ö/ü.txt"][0].InnerXML) != "S/ä/ü.txt" {
		t.Errorf("in the moved folder: %v", m)
	}
	if m := in("S/z/ö/b"); len(m["S/z/ö/b/c"]) != 1 {
		t.Errorf("deeper: %v", m)
	}
	if m := in("S/z"); len(m["S/z/ö"]) != 1 {
		t.Errorf("the moved folder itself: %v", m)
	}
	if m := in("S"); len(m) != 1 || len(m["S/äb"]) != 1 {
		t.Errorf("S/äb must not move with S/ä: %v", m)
	}
	if err := c.Update(ctx, func(tx *Tx) error { return tx.DeleteProps(ctx, "S/z") }); err != nil {
		t.Fatal(err)
	}
	if m := in("S/z/ö"); len(m) != 0 {
		t.Errorf("after the delete: %v", m)
	}
}

// TestPropBytesPerUser: a property counts for whoever set it last, names compare without
// case, and a removal gives the bytes back.
func TestPropBytesPerUser(t *testing.T) {
	ctx := context.Background()
	c, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	set := func(path, user string, n int64) {
		t.Helper()
		err := c.Update(ctx, func(tx *Tx) error {
			return tx.SetProp(ctx, path, Prop{Space: "urn:x", Local: "p", InnerXML: []byte("v"), Principal: user, Bytes: n})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	bytesOf := func(user string) int64 {
		var n int64
		if err := c.View(ctx, func(tx *Tx) (err error) { n, err = tx.PropBytes(ctx, user); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	set("S/a", "alice", 100)
	set("S/b", "Alice", 50)
	set("S/c", "bob", 7)
	if a, b := bytesOf("ALICE"), bytesOf("bob"); a != 150 || b != 7 {
		t.Fatalf("alice %d, bob %d; want 150, 7", a, b)
	}
	set("S/a", "bob", 10) // bob replaces alice's value: it is his now
	if a, b := bytesOf("alice"), bytesOf("bob"); a != 50 || b != 17 {
		t.Fatalf("after bob's replace: alice %d, bob %d; want 50, 17", a, b)
	}
	c.Update(ctx, func(tx *Tx) error { return tx.RemoveProp(ctx, "S/b", "urn:x", "p") })
	if a := bytesOf("alice"); a != 0 {
		t.Fatalf("after the removal alice has %d", a)
	}
}

// TestCopyPeopleFromOlderCatalog: a rebuild carries locks and properties over from a
// catalog made before they had owners; they come without one.
func TestCopyPeopleFromOlderCatalog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old, err := sql.Open("sqlite", filepath.Join(dir, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = old.Exec(`CREATE TABLE locks (token TEXT PRIMARY KEY, root TEXT NOT NULL, zero_depth INTEGER NOT NULL, shared INTEGER NOT NULL,
			owner_xml TEXT NOT NULL, duration_ns INTEGER NOT NULL, expires_ns INTEGER NOT NULL) WITHOUT ROWID;
		CREATE TABLE props (path TEXT NOT NULL, parent TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL, lang TEXT NOT NULL,
			xml BLOB NOT NULL, PRIMARY KEY (path, ns, name)) WITHOUT ROWID;
		INSERT INTO locks VALUES('urn:uuid:1', '/S/f', 0, 0, 'me', -1, 0);
		INSERT INTO props VALUES('S/f', 'S', 'urn:x', 'p', '', 'blue');`)
	old.Close()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CopyPeopleFrom(ctx, filepath.Join(dir, "old.db")); err != nil {
		t.Fatal(err)
	}
	var locks []Lock
	var props []Prop
	c.View(ctx, func(tx *Tx) (err error) {
		if locks, err = tx.Locks(ctx); err != nil {
			return err
		}
		props, err = tx.Props(ctx, "S/f")
		return err
	})
	if len(locks) != 1 || locks[0].Root != "/S/f" || locks[0].Principal != "" || len(props) != 1 || string(props[0].InnerXML) != "blue" {
		t.Fatalf("carried over: %+v, %+v", locks, props)
	}
}
