package catalog

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestLinksKeptAndCarriedOver: a link is found by its digest alone; revoking it keeps it
// (found, marked) until it is old, and it leaves the list; a link goes with its owner;
// and a rebuild carries the links over with the users.
func TestLinksKeptAndCarriedOver(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old, err := Open(ctx, filepath.Join(dir, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = old.Update(ctx, func(tx *Tx) error {
		for _, u := range []string{"ann", "bob"} {
			if err := tx.PutUser(ctx, User{Name: u, Hash: "x", Created: now, Changed: now}); err != nil {
				return err
			}
		}
		for _, l := range []Link{
			{ID: "1", Owner: "ann", Digest: []byte{1}, Path: "Photos/Trip", Kind: LinkRead, Created: now},
			{ID: "2", Owner: "ann", Digest: []byte{2}, Path: "Photos", Kind: LinkUpload, Created: now.Add(time.Second), MaxFiles: 5},
			{ID: "3", Owner: "bob", Digest: []byte{3}, Path: "bob", Kind: LinkRead, Created: now},
		} {
			if err := tx.AddLink(ctx, l); err != nil {
				return err
			}
		}
		if err := tx.RevokeLink(ctx, "1", now, now.Add(-time.Hour)); err != nil {
			return err
		}
		if err := tx.CountLinkUpload(ctx, "2", 100); err != nil {
			return err
		}
		return tx.DeleteUser(ctx, "bob")
	})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	c, err := Open(ctx, filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.CopyPeopleFrom(ctx, filepath.Join(dir, "old.db")); err != nil {
		t.Fatal(err)
	}
	c.View(ctx, func(tx *Tx) error {
		ls, err := tx.Links(ctx, "")
		if err != nil || len(ls) != 1 || ls[0].ID != "2" || ls[0].Files != 1 || ls[0].Bytes != 100 || ls[0].MaxFiles != 5 {
			t.Errorf("links in force: %+v %v", ls, err)
		}
		if l, err := tx.LinkByDigest(ctx, []byte{1}); err != nil || l.Revoked.IsZero() {
			t.Errorf("a revoked link: %+v %v", l, err)
		}
		if _, err := tx.LinkByDigest(ctx, []byte{3}); !errors.Is(err, ErrNotFound) {
			t.Errorf("a removed user's link: %v", err)
		}
		return nil
	})
	// A revoked link is forgotten once it is old.
	err = c.Update(ctx, func(tx *Tx) error { return tx.RevokeLink(ctx, "2", now.Add(time.Hour), now.Add(time.Minute)) })
	if err != nil {
		t.Fatal(err)
	}
	c.View(ctx, func(tx *Tx) error {
		if _, err := tx.Link(ctx, "1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("an old revoked link is kept: %v", err)
		}
		return nil
	})
}
