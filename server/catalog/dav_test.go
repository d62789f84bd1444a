package catalog

import (
	"context"
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
