package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestOldTokensBoundToTheirPC: a token made before tokens were bound to a PC is bound to
// its label, the name its PC joined with, when a PC showed itself under that name (it
// backs up here, or its agent reported its health as the token's user); a token made
// for a phone or a WebDAV program ('hearthd user token', whose label is any word) acts
// for no PC, so it cannot back up as PC "phone" and claim the name.
func TestOldTokensBoundToTheirPC(t *testing.T) {
	ctx := context.Background()
	step := -1
	for i, m := range migrations {
		if strings.Contains(m, "ALTER TABLE tokens ADD COLUMN pc") {
			step = i
		}
	}
	if step < 0 {
		t.Fatal("no schema step binds tokens to a PC")
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
	for _, q := range []string{
		fmt.Sprintf("PRAGMA user_version = %d", step),
		"INSERT INTO users(name, admin, hash, created_ns, changed_ns) VALUES('alice', 0, 'x', 1, 1)",
		"INSERT INTO users(name, admin, hash, created_ns, changed_ns) VALUES('bob', 0, 'x', 1, 1)",
		"INSERT INTO entries(path, parent, dir, size, mtime_ns, gen) VALUES('Backups/pcs/alice-laptop/pc.json', 'Backups/pcs/alice-laptop', 0, 10, 1, 1)",
		"INSERT INTO pc_health(pc, owner, report, seen_ns) VALUES('alice-desktop', 'alice', x'7b7d', 1)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('a', 'alice', x'01', 'alice-laptop', 1)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('b', 'alice', x'02', '', 2)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('c', 'Alice', x'03', 'alice-desktop', 3)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('d', 'alice', x'04', 'phone', 4)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('e', 'bob', x'05', 'rclone', 5)",
		// bob's desktop never reported as bob; alice's laptop spelled otherwise is no PC.
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('f', 'bob', x'06', 'alice-desktop', 6)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('g', 'bob', x'07', 'Alice-Laptop', 7)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	c, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	want := map[byte]string{1: "alice-laptop", 2: "", 3: "alice-desktop", 4: "", 5: "", 6: "", 7: ""}
	c.View(ctx, func(tx *Tx) error {
		for digest, pc := range want {
			if tok, err := tx.TokenByDigest(ctx, []byte{digest}); err != nil || tok.PC != pc {
				t.Errorf("old token %d: %+v, %v; want it bound to %q", digest, tok, err, pc)
			}
		}
		if ts, err := tx.TokensForPC(ctx, "Alice-Laptop"); err != nil || len(ts) != 1 || ts[0].ID != "a" {
			t.Errorf("tokens for Alice-Laptop (any case): %+v, %v", ts, err)
		}
		return nil
	})

	// The same tokens restored from a drive's copy of an older catalog, unbound, are bound
	// by BindTokensByLabel as the schema step binds them.
	err = c.Update(ctx, func(tx *Tx) error {
		if _, err := tx.q.ExecContext(ctx, "UPDATE tokens SET pc = ''"); err != nil {
			return err
		}
		return tx.BindTokensByLabel(ctx, []string{"a", "b", "c", "d", "e", "f", "g"})
	})
	if err != nil {
		t.Fatal(err)
	}
	c.View(ctx, func(tx *Tx) error {
		for digest, pc := range want {
			if tok, err := tx.TokenByDigest(ctx, []byte{digest}); err != nil || tok.PC != pc {
				t.Errorf("restored token %d: %+v, %v; want it bound to %q", digest, tok, err, pc)
			}
		}
		return nil
	})
}

// TestCopyPeopleBindsOldTokens: a rebuild that carries tokens over from a catalog made
// before tokens were bound to a PC binds them as the schema step does (once the PCs'
// health is over too); a token the drives' copy brought back already keeps its PC.
func TestCopyPeopleBindsOldTokens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	step := -1
	for i, m := range migrations {
		if strings.Contains(m, "ALTER TABLE tokens ADD COLUMN pc") {
			step = i
		}
	}
	old, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range append(append([]string{}, migrations[:step]...),
		"INSERT INTO users(name, admin, hash, created_ns, changed_ns) VALUES('alice', 0, 'x', 1, 1)",
		"INSERT INTO pc_health(pc, owner, report, seen_ns) VALUES('alice-desktop', 'alice', x'7b7d', 1)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('a', 'alice', x'01', 'alice-laptop', 1)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('c', 'alice', x'03', 'alice-desktop', 3)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('d', 'alice', x'04', 'phone', 4)",
		"INSERT INTO tokens(id, user, digest, label, created_ns) VALUES('x', 'alice', x'05', 'alice-laptop', 5)",
	) {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()
	c, err := Open(ctx, filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Update(ctx, func(tx *Tx) error {
		if err := tx.PutUser(ctx, User{Name: "alice", Hash: "x"}); err != nil {
			return err
		}
		// The index, rebuilt from the drives, and a token the drives' copy knew (bound to no PC).
		if _, err := tx.q.ExecContext(ctx, "INSERT INTO entries(path, parent, dir, size, mtime_ns, gen) VALUES('Backups/pcs/alice-laptop/pc.json', 'Backups/pcs/alice-laptop', 0, 10, 1, 1)"); err != nil {
			return err
		}
		return tx.AddToken(ctx, Token{ID: "x", User: "alice", Digest: []byte{5}, Label: "alice-laptop"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.CopyPeopleFrom(ctx, filepath.Join(dir, "old.db")); err != nil {
		t.Fatal(err)
	}
	c.View(ctx, func(tx *Tx) error {
		for digest, pc := range map[byte]string{1: "alice-laptop", 3: "alice-desktop", 4: "", 5: ""} {
			if tok, err := tx.TokenByDigest(ctx, []byte{digest}); err != nil || tok.PC != pc {
				t.Errorf("token %d: %+v, %v; want it bound to %q", digest, tok, err, pc)
			}
		}
		return nil
	})
}
