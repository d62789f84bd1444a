package backupstore_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A PC without a rule of its own follows the server's default as it changes; one given
// its own keeps it; and a pc.json from before own rules were told apart keeps a rule an
// administrator had set (one other than the default then).
func TestDefaultKeepFollowsTheSetting(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	var def atomic.Pointer[backup.Policy]
	def.Store(&backup.DefaultPolicy)
	index := filepath.Join(t.TempDir(), "b.db")
	opt := backupstore.Options{Pool: e.Pool, Index: index, DefaultKeep: func() backup.Policy { return *def.Load() }}
	st, err := backupstore.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { st.Close() }()
	when := time.Now()
	for _, pc := range []string{"follower", "own"} {
		backupfstest.Backup(t, st, pc, "ann", when, "/home/ann", []backupfstest.Entry{{Path: "a.txt", Data: []byte(pc), Mtime: when}})
	}
	own := backup.Policy{Last: 9}
	if err := st.SetPolicy(ctx, "own", own); err != nil {
		t.Fatal(err)
	}
	changed := backup.Policy{Last: 2, Daily: 7}
	def.Store(&changed)
	keepOf := func(pc string) backup.Policy {
		t.Helper()
		p, err := st.PC(ctx, pc)
		if err != nil {
			t.Fatal(err)
		}
		return p.Keep
	}
	if got := keepOf("follower"); got != changed {
		t.Errorf("a PC without its own rule keeps %v, want the new default %v", got, changed)
	}
	if got := keepOf("own"); got != own {
		t.Errorf("a PC with its own rule keeps %v, want %v", got, own)
	}

	// An older pc.json: a rule other than the default, and no own_rule.
	st.Close()
	old := []byte(`{"name":"follower","owner":"ann","keep":{"last":4,"daily":1,"weekly":0,"monthly":0}}`)
	if _, err := e.Pool.WriteFile(ctx, "Backups/pcs/follower/pc.json", bytes.NewReader(old), pool.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, err = backupstore.Open(ctx, opt); err != nil {
		t.Fatal(err)
	}
	if got, want := keepOf("follower"), (backup.Policy{Last: 4, Daily: 1}); got != want {
		t.Errorf("a rule set before own rules were told apart: %v, want it kept (%v)", got, want)
	}
}
