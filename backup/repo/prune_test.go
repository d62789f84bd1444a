package repo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
)

// Backups let go by the retention rule lose their records, and Prune deletes the packs
// only they needed, keeping every pack the kept backups need: these still restore.
func TestForgetAndPrune(t *testing.T) {
	ctx := context.Background()
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(src, 0o755)
	st, err := folder.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Five daily backups, each with a new file and without the one before it.
	day := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	for i := range 5 {
		os.RemoveAll(src)
		os.MkdirAll(src, 0o755)
		os.WriteFile(filepath.Join(src, "day.bin"), storagetest.Data(uint64(100+i), 3<<20), 0o644)
		os.WriteFile(filepath.Join(src, "always.txt"), []byte("kept in every backup"), 0o644)
		when := day.AddDate(0, 0, i)
		snap, err := archiver.Run(ctx, r, archiver.Options{PC: "server", Paths: []string{src}, Now: func() time.Time { return when }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.SaveSnapshot(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	packsBefore := len(storagetest.List(t, st, "packs/"))
	gone, err := r.Forget(ctx, backup.Policy{Last: 2}, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 3 {
		t.Fatalf("let %d backups go, want 3", len(gone))
	}
	rep, err := r.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The first day's pack also holds always.txt, which the kept backups still need:
	// it stays whole. The second and third days' packs go.
	if rep.Packs != 2 || rep.Bytes < 2*(3<<20) {
		t.Errorf("pruned %+v, want the 2 packs of the second and third days", rep)
	}
	if after := len(storagetest.List(t, st, "packs/")); after != packsBefore-rep.Packs {
		t.Errorf("%d packs after pruning %d of %d", after, rep.Packs, packsBefore)
	}
	// A fresh open sees the same, and the kept backups restore whole.
	fresh, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := fresh.Check(ctx, true); err != nil || len(rep.Problems) > 0 || rep.Snapshots != 2 {
		t.Fatalf("check after pruning: %+v, %v", rep, err)
	}
	snaps, _ := fresh.Snapshots(ctx)
	for i, s := range snaps {
		out := t.TempDir()
		if _, err := restorer.Restore(ctx, fresh, s.Tree, strings.TrimPrefix(filepath.ToSlash(src), "/"), out, restorer.Options{}); err != nil {
			t.Fatalf("restore a kept backup: %v", err)
		}
		got, _ := os.ReadFile(filepath.Join(out, "src", "day.bin"))
		if want := storagetest.Data(uint64(100+3+i), 3<<20); string(got) != string(want) {
			t.Errorf("kept backup %d restores another day's file", i)
		}
	}
	// Nothing more to prune.
	if rep, err := fresh.Prune(ctx); err != nil || rep.Packs != 0 {
		t.Errorf("a second prune: %+v, %v", rep, err)
	}
}
