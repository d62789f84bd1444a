package backupstore_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestChangedIsTold: Options.Changed hears of every change to a PC's backups (stored,
// let go by the rule, deleted, brought back by undelete or a pin) once it is done, and
// of nothing else. Whoever is told reads the backups back, as the health monitor does,
// so no lock of the store is held then: here it lists the PC's backups and the deleted
// ones, which would wait forever on a lock held.
func TestChangedIsTold(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.Local)
	var st *backupstore.Store
	var told []string
	var seen []int // how many backups the one told saw
	st, err := backupstore.Open(ctx, backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db"),
		Now: func() time.Time { return now }, Grace: 48 * time.Hour,
		Changed: func(ctx context.Context, pc string) {
			snaps, err := st.Snapshots(ctx, pc)
			if err != nil {
				t.Errorf("the backups of %s, read back when told: %v", pc, err)
			}
			if _, err := st.Deleted(ctx, pc); err != nil {
				t.Errorf("the deleted backups of %s, read back when told: %v", pc, err)
			}
			told, seen = append(told, pc), append(seen, len(snaps))
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	backUp := func(pc string) backup.ID {
		now = now.Add(time.Hour)
		return backupfstest.Backup(t, st, pc, "ann", now, "/home/ann", []backupfstest.Entry{{Path: "a.txt", Data: []byte(now.String()), Mtime: now}})
	}
	var ids []backup.ID
	for _, step := range []struct {
		what string
		do   func() error
		told []string // the PCs told, in order
		seen []int    // how many backups each saw
	}{
		{"a first backup", func() error { ids = append(ids, backUp("pc")); return nil }, []string{"pc"}, []int{1}},
		{"two more, and one of another PC", func() error {
			ids = append(ids, backUp("pc"), backUp("pc"))
			backUp("den")
			return nil
		}, []string{"pc", "pc", "den"}, []int{2, 3, 1}},
		{"a rule that keeps the newest only, not yet applied", func() error {
			return st.SetPolicy(ctx, "pc", backup.Policy{Last: 1})
		}, nil, nil},
		{"the nightly cleanup", func() error { _, err := st.Cleanup(ctx); return err }, []string{"pc"}, []int{1}},
		{"the cleanup again, with nothing to let go", func() error { _, err := st.Cleanup(ctx); return err }, nil, nil},
		{"the newest deleted", func() error { return st.Delete(ctx, "pc", ids[2], "a test") }, []string{"pc"}, []int{0}},
		{"it brought back", func() error { return st.Undelete(ctx, "pc", ids[2]) }, []string{"pc"}, []int{1}},
		{"one let go by the rule pinned back", func() error { return st.Pin(ctx, "pc", ids[0], true) }, []string{"pc"}, []int{2}},
		{"unpinned", func() error { return st.Pin(ctx, "pc", ids[0], false) }, nil, nil},
		{"a delete refused (no such backup)", func() error {
			if err := st.Delete(ctx, "pc", backup.Hash([]byte("none")), "a test"); err == nil {
				t.Error("a backup that does not exist was deleted")
			}
			return nil
		}, nil, nil},
	} {
		told, seen = nil, nil
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.what, err)
		}
		if !slices.Equal(told, step.told) || !slices.Equal(seen, step.seen) {
			t.Errorf("%s: told of %v, seeing %v backups; want %v, %v", step.what, told, seen, step.told, step.seen)
		}
	}
}
