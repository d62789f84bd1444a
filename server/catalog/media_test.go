package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestMediaMigration: on a server made before shares could be streamed to the TVs, the
// family's Music, Pictures and Videos are streamed after the update and nothing else is:
// a user's own share, Documents and a share of the family's own stay off.
func TestMediaMigration(t *testing.T) {
	ctx := context.Background()
	step := -1
	for i, m := range migrations {
		if strings.Contains(m, "ALTER TABLE shares ADD COLUMN media") {
			step = i
		}
	}
	if step < 0 {
		t.Fatal("no schema step adds the shares' media setting")
	}
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations[:step] {
		if _, err := db.ExecContext(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", step)); err != nil {
		t.Fatal(err)
	}
	names := []string{"Documents", "Music", "Pictures", "Videos", "alice", "Recipes"}
	for _, n := range names {
		if _, err := db.ExecContext(ctx, "INSERT INTO shares(name, copies, created_ns) VALUES(?, 0, 1)", n); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	c, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := map[string]bool{"Music": true, "Pictures": true, "Videos": true}
	err = c.Update(ctx, func(tx *Tx) error {
		ss, err := tx.Shares(ctx)
		if err != nil {
			return err
		}
		for _, s := range ss {
			if s.Media != want[s.Name] {
				t.Errorf("share %s streamed: %v, want %v", s.Name, s.Media, want[s.Name])
			}
		}
		// The setting is kept by PutShare, and read back by Share.
		s, err := tx.Share(ctx, "Recipes")
		if err != nil {
			return err
		}
		s.Media = true
		if err := tx.PutShare(ctx, s); err != nil {
			return err
		}
		if s, err = tx.Share(ctx, "Recipes"); err != nil || !s.Media {
			t.Errorf("Recipes after turning streaming on: %+v %v", s, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
