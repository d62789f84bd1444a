package backupclient_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/backupstore"
)

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		q := filepath.Join(to, rel)
		switch {
		case fi.IsDir():
			return os.MkdirAll(q, 0o755)
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(q, b, fi.Mode())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func repoSize(t *testing.T, s *apptest.Server) int64 {
	t.Helper()
	var n int64
	for _, d := range driveRoots(t, s) {
		filepath.Walk(filepath.Join(d, "Shares", backupstore.Share, "packs"), func(_ string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				n += fi.Size()
			}
			return nil
		})
	}
	return n
}

// TestSecondPCAddsOnlyWhatIsNew: a PC holding mostly the same files as another stores
// only its own new data; identical data is stored once whichever PC it came from.
func TestSecondPCAddsOnlyWhatIsNew(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("ann", pw, false)
	s.AddUser("bob", pw, false)
	ann := joined(t, s, "ann", "ann-pc")
	bob := joined(t, s, "bob", "bob-pc")
	dirA := filepath.Join(t.TempDir(), "a")
	makeTree(t, dirA, 5)
	first, err := ann.Backup(ctx, backupclient.Options{Paths: []string{dirA}})
	if err != nil {
		t.Fatal(err)
	}
	size1 := repoSize(t, s)
	dirB := filepath.Join(t.TempDir(), "b")
	copyTree(t, dirA, dirB)
	if err := os.WriteFile(filepath.Join(dirB, "Videos", "bob.mp4"), random(77, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := bob.Backup(ctx, backupclient.Options{Paths: []string{dirB}})
	if err != nil {
		t.Fatal(err)
	}
	grew := repoSize(t, s) - size1
	t.Logf("first PC: %d bytes read, %d added, repository %d bytes; second PC: %d added, repository grew %d bytes",
		first.Bytes, first.Added, size1, second.Added, grew)
	if second.Added > 2<<20+256<<10 || grew > 2<<20+256<<10 {
		t.Errorf("the second PC added %d bytes (repository grew %d) for 2 MiB of new data", second.Added, grew)
	}
	// Bob cannot see Ann's backups.
	if _, err := bob.Restore(ctx, first.ID, "", t.TempDir(), restorer.Options{}); err == nil {
		t.Error("bob restored ann's backup")
	}
}

// TestGCWhileBackingUp: the nightly cleanup (retention, then garbage collection) running
// while PCs back up never takes what a backup relies on: every backup restores whole
// afterwards, and check finds no damage.
func TestGCWhileBackingUp(t *testing.T) {
	ctx := context.Background()
	s, ann := annsPC(t, "ann-pc", func(o *app.Options) { o.BackupGrace = time.Nanosecond })
	bob := joined(t, s, "ann", "bob-pc")
	dir := filepath.Join(t.TempDir(), "home")
	makeTree(t, dir, 9)
	if _, err := ann.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	// Keep only the newest backup, so each new one makes the old one garbage.
	if err := s.App.Backups.SetPolicy(ctx, "ann-pc", backup.Policy{}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var gcs sync.WaitGroup
	gcRuns := 0
	gcs.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.App.Backups.Cleanup(ctx); err != nil {
				t.Errorf("cleanup: %v", err)
				return
			}
			gcRuns++
		}
	})
	var last [2]string
	for round := range 4 {
		// Each round changes some files; both PCs back up the same data at once.
		os.WriteFile(filepath.Join(dir, "Documents", "round.txt"), random(uint64(100+round), 300000), 0o644)
		os.Remove(filepath.Join(dir, "Videos", "clip.mp4"))
		os.WriteFile(filepath.Join(dir, "Videos", "clip.mp4"), random(uint64(200+round), 3<<20), 0o644)
		var wg sync.WaitGroup
		for i, c := range []*backupclient.Client{ann, bob} {
			wg.Go(func() {
				snap, err := c.Backup(ctx, backupclient.Options{Paths: []string{dir}})
				if err != nil {
					t.Errorf("round %d, %s: %v", round, c.PC(), err)
					return
				}
				last[i] = snap.ID
			})
		}
		wg.Wait()
	}
	close(stop)
	gcs.Wait()
	if _, err := s.App.Backups.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d collections ran during 8 backups", gcRuns)
	for i, c := range []*backupclient.Client{ann, bob} {
		to := t.TempDir()
		if _, err := c.Restore(ctx, last[i], dir, to, restorer.Options{}); err != nil {
			t.Fatalf("%s: %v", c.PC(), err)
		}
		sameTree(t, dir, filepath.Join(to, filepath.Base(dir)), 300)
	}
	rep, err := s.App.Backups.Check(ctx, true)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("check after collecting: %+v, %v", rep.Problems, err)
	}
	if snaps, _ := s.App.Backups.Snapshots(ctx, "ann-pc"); len(snaps) != 1 {
		t.Errorf("ann-pc has %d backups; the rule keeps only the newest", len(snaps))
	}
}

// TestCheckFindsCorruptPack: a pack damaged on the drive is found by check, which names
// the backups that need it.
func TestCheckFindsCorruptPack(t *testing.T) {
	ctx := context.Background()
	s, ann := annsPC(t, "ann-pc")
	dir := filepath.Join(t.TempDir(), "home")
	makeTree(t, dir, 11)
	if _, err := ann.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.App.Backups.Check(ctx, true); err != nil || len(rep.Problems) > 0 || rep.Packs == 0 {
		t.Fatalf("check of a sound repository: %+v, %v", rep, err)
	}
	var victim string
	for _, d := range driveRoots(t, s) {
		filepath.Walk(filepath.Join(d, "Shares", backupstore.Share, "packs"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() && fi.Size() > 1<<20 && victim == "" {
				victim = p
			}
			return nil
		})
	}
	f, err := os.OpenFile(victim, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("rot"), 1000)
	f.Close()
	rep, err := s.App.Backups.Check(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(rep.Problems, "\n")
	if !strings.Contains(joined, filepath.Base(victim)) || !strings.Contains(joined, "ann-pc") {
		t.Errorf("check did not name the damaged pack and the backup needing it:\n%s", joined)
	}
}

func driveRoots(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	ds, err := s.App.Pool.Drives(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Path)
	}
	return out
}
