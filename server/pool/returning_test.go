package pool_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// awayChanges changes the pool while drive 0 is away: deletes, a folder delete, a
// rename, an overwrite and a delete-then-recreate.
func awayChanges(t *testing.T, e *pooltest.Env) {
	t.Helper()
	ctx := context.Background()
	for _, step := range []error{
		e.Pool.Remove(ctx, "Docs/a"),
		e.Pool.Remove(ctx, "Docs/dir"),
		e.Pool.Rename(ctx, "Docs/b", "Docs/b2"),
		e.Pool.Rename(ctx, "Docs/moved", "Docs/renamed"),
		e.Pool.Remove(ctx, "Docs/d"),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	e.Put("Docs/c", []byte("c new"))
	e.Put("Docs/d", []byte("d again"))
}

func beforeAway(e *pooltest.Env) {
	e.Share("Docs", 2)
	e.Mkdir("Docs/dir")
	e.Mkdir("Docs/moved")
	for _, f := range []string{"a", "b", "c", "d", "dir/x", "dir/y", "moved/z"} {
		e.Put("Docs/"+f, []byte(f+" old"))
	}
	// Put some copy of everything on drive 0, which will go away.
	e.Faulty(e.Drives[1]).SetFree(1 << 40)
	e.Faulty(e.Drives[0]).SetFree(1 << 41)
}

// checkAfterAway checks that nothing changed while drive 0 was away came back.
func checkAfterAway(t *testing.T, e *pooltest.Env) {
	t.Helper()
	ctx := context.Background()
	for _, gone := range []string{"Docs/a", "Docs/dir", "Docs/dir/x", "Docs/b", "Docs/moved", "Docs/moved/z"} {
		if _, err := e.Pool.Stat(ctx, gone); !errors.Is(err, pool.ErrNotFound) {
			t.Errorf("%s came back: %v", gone, err)
		}
		for _, d := range e.Drives {
			if _, err := os.Lstat(pooltest.OnDisk(d, gone)); err == nil {
				t.Errorf("%s is on %s again", gone, filepath.Base(d))
			}
		}
	}
	want := map[string]string{"Docs/b2": "b old", "Docs/c": "c new", "Docs/d": "d again", "Docs/renamed/z": "moved/z old"}
	for path, content := range want {
		if got := e.Get(path); string(got) != content {
			t.Errorf("%s = %q, want %q", path, got, content)
		}
		for _, h := range e.Holders(path) {
			raw, _ := os.ReadFile(pooltest.OnDisk(e.Drives[h], path))
			if string(raw) != content {
				t.Errorf("%s on %s holds %q, want %q", path, filepath.Base(e.Drives[h]), raw, content)
			}
		}
	}
}

func TestReturningDriveKeepsDeletesDeleted(t *testing.T) {
	e := pooltest.New(t, 3)
	beforeAway(e)
	e.Run()
	away := e.Drives[0]
	if err := os.Rename(away, away+".away"); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 20*time.Second, "the drive is seen missing", func() bool { return e.DriveState(away) == pool.StateMissing })
	awayChanges(t, e)
	if err := os.Rename(away+".away", away); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 20*time.Second, "the drive is back", func() bool { return e.DriveState(away) == pool.StateActive })
	e.StopRun()
	if _, err := e.Pool.Repair(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkAfterAway(t, e)
	for _, f := range []string{"Docs/c", "Docs/d"} {
		if h := e.Holders(f); len(h) != 2 {
			t.Errorf("%s has copies on %v, want 2 drives", f, h)
		}
	}
	// A renamed file can end with a third copy: the repairer may copy it while the drive
	// is away, and the drive brings its own back under the new name. A surplus copy is
	// safe; it is not trimmed yet.
	for _, f := range []string{"Docs/b2", "Docs/renamed/z"} {
		if h := e.Holders(f); len(h) < 2 {
			t.Errorf("%s has copies on %v, want at least 2 drives", f, h)
		}
	}
}

// The same, but the catalog is lost too: only the drives' own records (generations in
// every copy, the tombstone logs) say what is current.
func TestReturningDriveWithLostCatalog(t *testing.T) {
	e := pooltest.New(t, 3)
	beforeAway(e)
	e.Run()
	away := e.Drives[0]
	os.Rename(away, away+".away")
	pooltest.Eventually(t, 20*time.Second, "the drive is seen missing", func() bool { return e.DriveState(away) == pool.StateMissing })
	awayChanges(t, e)
	e.Close()
	removeCatalog(t, e)
	os.Rename(away+".away", away)
	e.Open()
	checkAfterAway(t, e)
}

func removeCatalog(t *testing.T, e *pooltest.Env) {
	t.Helper()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(e.Catalog + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
}

func TestUnmountedMountPointStaysEmpty(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 1)
	e.Run()
	mp := e.Drives[0]
	// "Unmount": the disk's folder goes away and an empty mount point stays behind.
	if err := os.Rename(mp, mp+".disk"); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(mp, 0o755)
	pooltest.Eventually(t, 20*time.Second, "the drive is seen missing", func() bool { return e.DriveState(mp) == pool.StateMissing })
	for i := range 10 {
		e.Put("Docs/f"+string(rune('0'+i)), bytes.Repeat([]byte{byte(i)}, 5000))
	}
	e.Mkdir("Docs/folder")
	if ents, _ := os.ReadDir(mp); len(ents) != 0 {
		t.Fatalf("the empty mount point got %d items", len(ents))
	}
	// Restart while it is still unmounted: the pool must not adopt the empty folder.
	e.Reopen()
	e.Run()
	e.Put("Docs/after-restart", []byte("x"))
	if ents, _ := os.ReadDir(mp); len(ents) != 0 {
		t.Fatalf("after a restart the empty mount point got %d items", len(ents))
	}
	if st := e.DriveState(mp); st != pool.StateMissing {
		t.Errorf("unmounted drive state %q after restart", st)
	}
	// "Mount" again: the drive returns and everything is readable.
	os.Remove(mp)
	os.Rename(mp+".disk", mp)
	pooltest.Eventually(t, 20*time.Second, "the drive is back", func() bool { return e.DriveState(mp) == pool.StateActive })
	for i := range 10 {
		e.Get("Docs/f" + string(rune('0'+i)))
	}
}

func TestLostCatalogRebuildsFromDrives(t *testing.T) {
	e := pooltest.New(t, 3)
	ctx := context.Background()
	e.Share("Docs", 2)
	e.Share("Media", 1)
	e.Pool.SetShare(ctx, "Media", pool.ShareSettings{Description: ptr("films")})
	e.Share("Empty", 0)
	e.Mkdir("Docs/a")
	e.Mkdir("Docs/a/empty")
	mt := time.Date(2020, 2, 2, 2, 2, 2, 0, time.UTC)
	for i := range 30 {
		path := "Docs/a/f" + string(rune('a'+i))
		if i%3 == 0 {
			path = "Media/m" + string(rune('a'+i))
		}
		e.Pool.WriteFile(ctx, path, bytes.NewReader(randBytes(uint64(i), 1000*i)), pool.WriteOptions{ModTime: mt})
	}
	e.Put("Docs/a/fa", []byte("overwritten"))
	e.Pool.Remove(ctx, "Docs/a/fb")
	before := snapshot(t, e)
	e.Close()
	removeCatalog(t, e)
	e.Drives = e.Drives[:1] // only one drive is named; the others are found through it
	e.Open()
	after := snapshot(t, e)
	if d := diffSnap(before, after); d != "" {
		t.Errorf("rebuilt pool differs:\n%s", d)
	}
	rep, err := e.Pool.Scrub(ctx)
	if err != nil || rep.Bad != 0 || rep.Files != 30 {
		t.Errorf("scrub after rebuild: %+v, %v", rep, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestHandCopiedFileIsAdopted(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/known", []byte("known"))
	// Someone copies files onto a drive with another PC.
	os.WriteFile(pooltest.OnDisk(e.Drives[0], "Docs/hand.txt"), []byte("by hand"), 0o644)
	os.Mkdir(pooltest.OnDisk(e.Drives[0], "Docs/handdir"), 0o755)
	os.WriteFile(pooltest.OnDisk(e.Drives[0], "Docs/handdir/in.txt"), []byte("inside"), 0o644)
	holder := e.Holders("Docs/known")[0]
	os.WriteFile(pooltest.OnDisk(e.Drives[holder], "Docs/known"), []byte("changed by hand"), 0o644)
	e.Crash() // an unclean start compares every drive with the index
	e.Open()
	if got := e.Get("Docs/hand.txt"); string(got) != "by hand" {
		t.Errorf("hand-copied file = %q", got)
	}
	if got := e.Get("Docs/handdir/in.txt"); string(got) != "inside" {
		t.Errorf("hand-copied folder content = %q", got)
	}
	if got := e.Get("Docs/known"); string(got) != "known" {
		t.Errorf("a file changed by hand replaced the pool's: %q", got)
	}
	vs, _ := e.Pool.Versions(context.Background(), "Docs/known")
	if len(vs) != 1 {
		t.Errorf("the hand-changed content was not kept as a version: %+v", vs)
	}
	e.Pool.Repair(context.Background())
	if h := e.Holders("Docs/hand.txt"); len(h) != 2 {
		t.Errorf("adopted file not duplicated: %v", h)
	}
}
