package pool_test

// Races and cut-off operations found in review: each test fails without its fix.

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A delete made while a returning drive is being reconciled comes back.
func TestDeleteDuringReconcileStaysDeleted(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/f", []byte("secret"))
	e.Run()
	d0 := e.Drives[0]
	f := e.Faulty(d0)
	f.Hang(drivetest.OpWalk) // reconcile will pause at the walk
	defer f.Heal()
	f.Fail(drivetest.OpCheck, 0, 1, drive.ErrMissing) // one failed check: missing, then back
	pooltest.Eventually(t, 20*time.Second, "walk started", func() bool {
		return e.DriveState(d0) == pool.StateMissing
	})
	time.Sleep(500 * time.Millisecond) // the repairer is now inside Walk
	if err := e.Pool.Remove(context.Background(), "Docs/f"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.Stat(context.Background(), "Docs/f"); !errors.Is(err, pool.ErrNotFound) {
		t.Fatalf("before reconcile: %v", err)
	}
	f.Heal()
	pooltest.Eventually(t, 20*time.Second, "drive back", func() bool { return e.DriveState(d0) == pool.StateActive })
	e.StopRun()
	if _, err := e.Pool.Stat(context.Background(), "Docs/f"); err == nil {
		t.Errorf("deleted file Docs/f is back in the index; holders on disk: %v", e.Holders("Docs/f"))
	}
}

// A write that lands on a drive whose reconcile already walked past is forgotten.
func TestCommitDuringReconcileIsKept(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 1)
	e.Faulty(e.Drives[0]).SetFree(1 << 41)
	e.Faulty(e.Drives[1]).SetFree(1 << 40)
	ctx := context.Background()
	w, err := e.Pool.Create(ctx, "Docs/upload", pool.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half"))
	e.Run()
	f0, f1 := e.Faulty(e.Drives[0]), e.Faulty(e.Drives[1])
	f1.Hang(drivetest.OpWalk)
	defer f1.Heal()
	f0.Fail(drivetest.OpCheck, 0, 1, drive.ErrMissing)
	f1.Fail(drivetest.OpCheck, 0, 1, drive.ErrMissing)
	pooltest.Eventually(t, 20*time.Second, "missing", func() bool { return e.DriveState(e.Drives[1]) == pool.StateMissing })
	time.Sleep(700 * time.Millisecond) // drive 0's walk is done, drive 1's hangs
	w.Write([]byte(" and the rest"))
	fi, err := w.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("acknowledged: %+v", fi)
	f1.Heal()
	pooltest.Eventually(t, 20*time.Second, "back", func() bool { return e.DriveState(e.Drives[0]) == pool.StateActive })
	e.StopRun()
	if _, err := e.Pool.Stat(ctx, "Docs/upload"); err != nil {
		t.Errorf("acknowledged file vanished from the index: %v; on disk at drives %v", err, e.Holders("Docs/upload"))
	}
	if st, _ := e.Pool.Status(ctx); len(st.Damaged) > 0 {
		t.Logf("damaged list: %+v", st.Damaged)
	}
}

// A Remove that meets a hung drive freezes every other write in the pool.
func TestHungDriveDoesNotFreezePool(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/a", []byte("a"))
	e.Run()
	e.Faulty(e.Drives[0]).Hang(drivetest.OpAppend)
	go e.Pool.Remove(context.Background(), "Docs/a")
	time.Sleep(200 * time.Millisecond)
	done := make(chan error, 1)
	go func() {
		_, err := e.Pool.WriteFile(context.Background(), "Docs/b", bytes.NewReader([]byte("b")), pool.WriteOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("a write to another path failed: %v", err)
		}
	case <-time.After(8 * time.Second):
		t.Errorf("a write to another path is still blocked 8s later (drive state %s)", e.DriveState(e.Drives[0]))
		e.Faulty(e.Drives[0]).Heal()
		<-done
	}
	e.Faulty(e.Drives[0]).Heal()
}

// Two hung targets: the writer never returns.
func TestWriteReturnsWhenEveryTargetHangs(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Faulty(e.Drives[0]).Hang(drivetest.OpWrite)
	e.Faulty(e.Drives[1]).Hang(drivetest.OpWrite)
	done := make(chan error, 1)
	go func() {
		_, err := e.Pool.WriteFile(context.Background(), "Docs/big", bytes.NewReader(make([]byte, 3<<20)), pool.WriteOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a write whose every drive hung was acknowledged")
		}
	case <-time.After(8 * time.Second): // DriveTimeout is 2s
		t.Errorf("write with both targets hung did not return after 8s")
		e.Faulty(e.Drives[0]).Heal()
		e.Faulty(e.Drives[1]).Heal()
		<-done
	}
	e.Faulty(e.Drives[0]).Heal()
	e.Faulty(e.Drives[1]).Heal()
}

// A stale copy whose retire failed stays; tombstones are pruned; the next reconcile of
// that drive brings the deleted file back.
func TestFailedRetireKeepsDeleteInForce(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/f", []byte("delete me"))
	e.Run()
	ctx := context.Background()
	// The test is about the copy on drive 0: make sure it is there (under load a write
	// may keep one copy and leave the second to the repairer).
	pooltest.Eventually(t, 20*time.Second, "two copies", func() bool {
		fi, err := e.Pool.Stat(ctx, "Docs/f")
		return err == nil && fi.Copies == 2
	})
	d0 := e.Drives[0]
	f := e.Faulty(d0)
	// The drive stays away until the test lets it back: the delete must happen while it
	// is missing, not race its return.
	away := func() {
		f.Fail(drivetest.OpCheck, 0, -1, drive.ErrMissing)
		pooltest.Eventually(t, 20*time.Second, "missing", func() bool { return e.DriveState(d0) == pool.StateMissing })
	}
	back := func() {
		f.Fail(drivetest.OpCheck, 0, 0, nil)
		pooltest.Eventually(t, 20*time.Second, "back", func() bool { return e.DriveState(d0) == pool.StateActive })
		// A whole repair pass after the reconcile: it is the one that would prune.
		if _, err := e.Pool.Repair(ctx); err != nil {
			t.Fatal(err)
		}
	}
	away()
	// Retires on the drive fail until the second hiccup: also in any extra reconcile
	// the monitor may start (a check that began while the drive was missing).
	f.Fail(drivetest.OpRetire, 0, -1, syscall.ENOSPC)
	if err := e.Pool.Remove(ctx, "Docs/f"); err != nil {
		t.Fatal(err)
	}
	back()
	if err := statErr(e, "Docs/f"); err == nil {
		t.Fatalf("deleted Docs/f is back after the first return; holders %v", e.Holders("Docs/f"))
	}
	if h := e.Holders("Docs/f"); len(h) != 1 || h[0] != 0 {
		t.Fatalf("after the failed retire the stale copy should be on drive 0 only; holders %v", h)
	}
	away() // a second hiccup
	f.Fail(drivetest.OpRetire, 0, 0, nil)
	back()
	if err := statErr(e, "Docs/f"); err == nil {
		t.Errorf("deleted Docs/f is back; holders %v", e.Holders("Docs/f"))
	}
}

// A delete that noted its path before a returning drive's reconcile began, but recorded
// its tombstone after the reconcile read the index, brings the file back: the reconcile
// sees the drive's stale copy with neither an index entry nor a tombstone and adopts it.
func TestDeleteAsReconcileStartsStaysDeleted(t *testing.T) {
	e := pooltest.New(t, 2, func(o *pool.Options) { o.DriveTimeout = 5 * time.Second })
	e.Share("Docs", 2)
	e.Put("Docs/f", []byte("delete me"))
	e.Run()
	ctx := context.Background()
	d0, d1 := e.Drives[0], e.Drives[1]
	f0, f1 := e.Faulty(d0), e.Faulty(d1)
	f0.Fail(drivetest.OpCheck, 0, -1, drive.ErrMissing)
	pooltest.Eventually(t, 20*time.Second, "missing", func() bool { return e.DriveState(d0) == pool.StateMissing })
	f0.Hang(drivetest.OpWalk)   // a reconcile that read the index stops at its walk
	f1.Hang(drivetest.OpAppend) // the delete stops at its tombstone line, its path noted
	defer f0.Heal()
	defer f1.Heal()
	done := make(chan error, 1)
	go func() { done <- e.Pool.Remove(ctx, "Docs/f") }()
	pooltest.Eventually(t, 5*time.Second, "delete at its tombstone", func() bool { return f1.Hung(drivetest.OpAppend) == 1 })
	f0.Fail(drivetest.OpCheck, 0, 0, nil) // drive 0 returns; its reconcile starts
	// Without the fix the reconcile reads the index and reaches its walk now. With it,
	// the reconcile waits for the delete, and this wait ends at its bound; either way
	// the outcome below must be the same.
	for deadline := time.Now().Add(3 * time.Second); f0.Hung(drivetest.OpWalk) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	f1.Heal()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f0.Heal()
	pooltest.Eventually(t, 20*time.Second, "back", func() bool { return e.DriveState(d0) == pool.StateActive })
	e.StopRun()
	if err := statErr(e, "Docs/f"); err == nil {
		t.Errorf("deleted Docs/f is back in the index; holders on disk: %v", e.Holders("Docs/f"))
	}
}

func statErr(e *pooltest.Env, p string) error {
	_, err := e.Pool.Stat(context.Background(), p)
	return err
}

// A rename of an older file over a newer one, cut off by a crash at either point of the
// drive's rename (after the stamp, or after the move): one of the two names holds the
// moved content, and the newer file is kept as a version. Nothing is lost.
func TestRenameCutOffOverNewerFileKeepsContent(t *testing.T) {
	for _, moved := range []bool{false, true} {
		t.Run(fmt.Sprintf("moved=%v", moved), func(t *testing.T) {
			e := pooltest.New(t, 1)
			e.Share("Docs", 1)
			fiF := e.Put("Docs/F", []byte("older file"))
			fiT := e.Put("Docs/T", []byte("newer file"))
			d := e.Drives[0]
			G := fiT.Gen + 100
			// What Pool.Rename and Local.Rename do, up to the crash: the tombstone line,
			// then the stamp, then (moved) the old T kept and F moved over it.
			lf, _ := os.OpenFile(filepath.Join(d, ".hearth", "tombstones.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			fmt.Fprintf(lf, "%d\t%d\tDocs/F\tDocs/T\t%d\n", G, time.Now().UnixNano(), fiF.Gen)
			lf.Close()
			var h drive.Hash
			hexDecode(t, fiF.Hash, h[:])
			if err := e.Drive(d).SetMeta(context.Background(), "Docs/F", drive.Meta{Gen: G, Hash: h}); err != nil {
				t.Fatal(err)
			}
			if moved {
				vdir := filepath.Join(d, ".hearth", "versions", "Docs")
				os.MkdirAll(vdir, 0o755)
				if err := os.Link(pooltest.OnDisk(d, "Docs/T"), filepath.Join(vdir, fmt.Sprintf("T~v%d", fiT.Gen))); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(pooltest.OnDisk(d, "Docs/F"), pooltest.OnDisk(d, "Docs/T")); err != nil {
					t.Fatal(err)
				}
			}
			e.Crash()
			e.Open()
			if got := e.Get("Docs/T"); string(got) != "older file" {
				t.Errorf("Docs/T holds %q, want the moved file", got)
			}
			if err := statErr(e, "Docs/F"); err == nil {
				t.Error("Docs/F still exists: the rename was not finished")
			}
			vs, _ := e.Pool.Versions(context.Background(), "Docs/T")
			if len(vs) != 1 || vs[0].Gen != fiT.Gen {
				t.Errorf("the replaced file is not kept as a version: %+v", vs)
			}
			if st, _ := e.Pool.Status(context.Background()); len(st.Damaged) != 0 {
				t.Errorf("files reported lost: %+v", st.Damaged)
			}
		})
	}
}

func hexDecode(t *testing.T, s string, out []byte) {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(out) {
		t.Fatalf("bad hash %q", s)
	}
	copy(out, b)
}

// A write that picked a drive before "drive remove" began commits onto it while it is
// being emptied; evacuation misses it and the drive is released with the file on it.
func TestWriteOntoDriveBeingRemovedIsKept(t *testing.T) {
	e := pooltest.New(t, 2, func(o *pool.Options) { o.BackgroundRate = 256 << 10 })
	e.Share("Docs", 1)
	e.Faulty(e.Drives[0]).SetFree(1 << 41)
	e.Faulty(e.Drives[1]).SetFree(1 << 40)
	for _, n := range []string{"m1", "m2", "m3"} {
		e.Put("Docs/"+n, make([]byte, 256<<10))
	}
	ctx := context.Background()
	w, err := e.Pool.Create(ctx, "Docs/a", pool.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("precious upload"))
	done := make(chan error, 1)
	go func() { _, err := e.Pool.RemoveDrive(ctx, e.Drives[0], pool.RemoveOptions{}); done <- err }()
	time.Sleep(1500 * time.Millisecond)
	fi, err := w.Commit(ctx)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	t.Logf("acknowledged %+v", fi)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fi, err = e.Pool.Stat(ctx, "Docs/a")
	t.Logf("after removal: %+v err=%v; on disk at %v", fi, err, e.Holders("Docs/a"))
	if f, err := e.Pool.Open(ctx, "Docs/a"); err != nil {
		t.Errorf("acknowledged file unreadable after drive removal: %v", err)
	} else {
		f.Close()
	}
}

// A rename replayed on a returning drive moves an older content and stamps it with the
// rename's generation; the version (T, gen) then names two contents.
func TestReplayedRenameKeepsVersionsApart(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	e.Faulty(e.Drives[0]).SetFree(1 << 42)
	e.Faulty(e.Drives[1]).SetFree(1 << 41)
	e.Faulty(e.Drives[2]).SetFree(1 << 40)
	ctx := context.Background()
	e.Put("Docs/F", []byte("gen-5 content"))
	e.Run()
	a := e.Drives[0]
	os.Rename(a, a+".away")
	pooltest.Eventually(t, 20*time.Second, "missing", func() bool { return e.DriveState(a) == pool.StateMissing })
	e.Put("Docs/F", []byte("the newest content"))
	if err := e.Pool.Rename(ctx, "Docs/F", "Docs/T"); err != nil {
		t.Fatal(err)
	}
	os.Rename(a+".away", a)
	pooltest.Eventually(t, 20*time.Second, "back", func() bool { return e.DriveState(a) == pool.StateActive })
	e.StopRun()
	e.Pool.Repair(ctx)
	cur, _ := e.Pool.Stat(ctx, "Docs/T")
	if err := e.Pool.Remove(ctx, "Docs/T"); err != nil {
		t.Fatal(err)
	}
	vs, _ := e.Pool.Versions(ctx, "Docs/T")
	t.Logf("versions of Docs/T: %+v (deleted gen %d)", vs, cur.Gen)
	r, _, err := e.Pool.OpenVersion(ctx, "Docs/T", cur.Gen)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "the newest content" {
		t.Errorf("version %d of the deleted Docs/T reads %q, not the content that was deleted", cur.Gen, b)
	}
}

// A drive removed with --force while missing stays out of the pool when it comes back,
// also after the catalog is lost: its files are out of date.
func TestForgottenDriveStaysOutAfterRebuild(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	e.Put("Docs/f", []byte("old"))
	e.Run()
	gone := e.Drives[0]
	os.Rename(gone, gone+".away")
	pooltest.Eventually(t, 20*time.Second, "missing", func() bool { return e.DriveState(gone) == pool.StateMissing })
	ctx := context.Background()
	if _, err := e.Pool.RemoveDrive(ctx, gone, pool.RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.Pool.Remove(ctx, "Docs/f"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	removeCatalog(t, e)
	os.Rename(gone+".away", gone)
	e.Open()
	if err := statErr(e, "Docs/f"); err == nil {
		t.Error("a file deleted after its drive was written off came back with the drive")
	}
	if ds, _ := e.Pool.Drives(ctx); len(ds) != 2 {
		t.Errorf("%d drives after the rebuild, want the 2 that stayed", len(ds))
	}
	if _, err := e.Pool.AddDrive(ctx, gone, ""); !errors.Is(err, pool.ErrRefused) {
		t.Errorf("adding the written-off drive back: %v, want a refusal that explains", err)
	}
}

// After a rebuild, new generations are above every generation on the drives, even when
// the drives' copies of the configuration promised less.
func TestRebuildGenerationsAboveDrives(t *testing.T) {
	e := pooltest.New(t, 1)
	e.Share("Docs", 1)
	var top uint64
	for i := range 5 {
		top = e.Put(fmt.Sprintf("Docs/f%d", i), []byte("x")).Gen
	}
	e.Close()
	removeCatalog(t, e)
	conf := filepath.Join(e.Drives[0], ".hearth", "pool.json")
	b, _ := os.ReadFile(conf)
	os.WriteFile(conf, bytes.Replace(b, []byte(`"gen_reserved": `), []byte(`"gen_reserved": 1, "x_old": `), 1), 0o644)
	e.Open()
	if fi := e.Put("Docs/new", []byte("y")); fi.Gen <= top {
		t.Errorf("a new file got generation %d, not above the %d already on the drive", fi.Gen, top)
	}
}
