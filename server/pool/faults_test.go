package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drivetest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A drive dies (its folder is deleted outright) while files are being written. No
// acknowledged file of a duplicated share is lost, and duplication is restored on the
// drives that are left.
func TestPullADriveDuringWrites(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	e.Run()
	ctx := context.Background()
	acked := map[string][]byte{}
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			path := fmt.Sprintf("Docs/f%03d", i)
			data := randBytes(uint64(i), 1000+i*997%300000)
			if _, err := e.Pool.WriteFile(ctx, path, bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))}); err != nil {
				t.Errorf("write %s while a drive died: %v", path, err)
				return
			}
			mu.Lock()
			acked[path] = data
			mu.Unlock()
		}
	}()
	waitAcked := func(n int) {
		pooltest.Eventually(t, 20*time.Second, "writes go on", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= n })
	}
	waitAcked(20)
	dead := e.Drives[1]
	for i := 0; i < 50; i++ { // the writer keeps making files while it dies
		if err := os.RemoveAll(dead); err == nil {
			break
		}
	}
	pooltest.Eventually(t, 20*time.Second, "the dead drive is seen missing", func() bool { return e.DriveState(dead) == pool.StateMissing })
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	waitAcked(n + 20)
	close(stop)
	wg.Wait()
	e.StopRun()
	if _, err := e.Pool.Repair(ctx); err != nil {
		t.Fatal(err)
	}
	alive := []string{e.Drives[0], e.Drives[2]}
	for path, data := range acked {
		if got := e.Get(path); !bytes.Equal(got, data) {
			t.Fatalf("%s: read %d bytes, want %d", path, len(got), len(data))
		}
		for _, d := range alive {
			raw, err := os.ReadFile(pooltest.OnDisk(d, path))
			if err != nil || !bytes.Equal(raw, data) {
				t.Errorf("%s is not duplicated on %s: %v", path, filepath.Base(d), err)
			}
		}
	}
	st, _ := e.Pool.Status(ctx)
	if st.NotDuplicated != 0 || len(st.Unavailable) != 0 {
		t.Errorf("status after repair: %d not duplicated, unavailable %v", st.NotDuplicated, st.Unavailable)
	}
	t.Logf("%d files acknowledged, %d written after the drive died", len(acked), len(acked)-20)
}

func TestScrubHealsBitRot(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	files := map[string][]byte{}
	for i := range 20 {
		path := fmt.Sprintf("Docs/f%02d", i)
		files[path] = randBytes(uint64(i), 10000+i*1000)
		e.Put(path, files[path])
	}
	rotted := 0
	for i := range 10 {
		path := fmt.Sprintf("Docs/f%02d", i)
		h := e.Holders(path)
		pooltest.FlipByte(t, pooltest.OnDisk(e.Drives[h[i%2]], path), int64(i*337))
		rotted++
	}
	lost := "Docs/f15"
	for _, h := range e.Holders(lost) {
		pooltest.FlipByte(t, pooltest.OnDisk(e.Drives[h], lost), 5)
	}
	rep, err := e.Pool.Scrub(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Bad != rotted+2 || rep.Healed != rotted || !slices.Equal(rep.Damaged, []string{lost}) {
		t.Errorf("scrub = bad %d healed %d damaged %v; want bad %d healed %d damaged [%s]",
			rep.Bad, rep.Healed, rep.Damaged, rotted+2, rotted, lost)
	}
	for path, data := range files {
		if path == lost {
			continue
		}
		for _, h := range e.Holders(path) {
			if raw, _ := os.ReadFile(pooltest.OnDisk(e.Drives[h], path)); !bytes.Equal(raw, data) {
				t.Errorf("%s on %s is still bad after scrub", path, filepath.Base(e.Drives[h]))
			}
		}
	}
	if log := e.Logged(); strings.Contains(log, "err=<nil>") || !strings.Contains(log, "does not match its checksum") {
		t.Errorf("the scrub's log does not say what was wrong with the bad copies:\n%s", log)
	}
	st, _ := e.Pool.Status(context.Background())
	if len(st.Damaged) != 1 || st.Damaged[0].Path != lost || st.LastScrub == nil {
		t.Errorf("status: damaged %+v, last scrub %v", st.Damaged, st.LastScrub)
	}
	again, _ := e.Pool.Scrub(context.Background())
	if again.Bad != 2 || again.Healed != 0 {
		t.Errorf("second scrub: bad %d healed %d, want 2 and 0", again.Bad, again.Healed)
	}
}

func TestWriteSurvivesDriveFaults(t *testing.T) {
	eio := &os.PathError{Op: "write", Path: "x", Err: syscall.EIO}
	enospc := &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}
	tests := []struct {
		name      string
		op        drivetest.Op
		skip      int // calls that succeed first: 1 for a write fails half way through the file
		err       error
		hang      bool
		wantState pool.State
	}{
		{"EIO on write", drivetest.OpWrite, 1, eio, false, pool.StateFailing},
		{"ENOSPC on write", drivetest.OpWrite, 1, enospc, false, pool.StateActive},
		{"EIO on sync", drivetest.OpFinish, 0, eio, false, pool.StateFailing},
		{"EIO on rename", drivetest.OpCommit, 0, eio, false, pool.StateFailing},
		{"EIO on create", drivetest.OpCreate, 0, eio, false, pool.StateFailing},
		{"drive hangs mid-write", drivetest.OpWrite, 1, nil, true, pool.StateMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := pooltest.New(t, 3, func(o *pool.Options) { o.DriveTimeout = 500 * time.Millisecond })
			e.Share("Docs", 2)
			bad := e.Faulty(e.Drives[0])
			bad.SetFree(1 << 50) // first choice for every write
			// The old file is on the bad drive too: a new write prefers the drives that
			// hold the file already, so otherwise the bad drive might never be tried.
			e.Put("Docs/f", []byte("old"))
			if tc.hang {
				bad.Hang(tc.op)
				defer bad.Heal()
			} else {
				bad.Fail(tc.op, tc.skip, -1, tc.err)
			}
			data := randBytes(7, 3<<20+5)
			fi, err := e.Pool.WriteFile(context.Background(), "Docs/f", bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))})
			if err != nil {
				t.Fatalf("write with one bad drive: %v", err)
			}
			if fi.Copies != 2 {
				t.Errorf("file has %d healthy copies, want 2", fi.Copies)
			}
			if got := e.Get("Docs/f"); !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes, want %d", len(got), len(data))
			}
			if h := e.Holders("Docs/f"); !slices.Equal(h, []int{1, 2}) && !tc.hang {
				t.Errorf("copies on %v, want [1 2]", h)
			}
			if st := e.DriveState(e.Drives[0]); st != tc.wantState {
				t.Errorf("bad drive state %q, want %q", st, tc.wantState)
			}
			for _, d := range e.Drives[1:] {
				if ents, _ := os.ReadDir(filepath.Join(d, ".hearth", "tmp")); len(ents) != 0 {
					t.Errorf("temp leftovers on %s", filepath.Base(d))
				}
			}
		})
	}
}

func TestWriteFailsCleanlyWhenEveryDriveFails(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/f", []byte("precious"))
	for _, d := range e.Drives {
		e.Faulty(d).Fail(drivetest.OpWrite, 0, -1, &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC})
	}
	_, err := e.Pool.WriteFile(context.Background(), "Docs/f", bytes.NewReader(make([]byte, 3<<20)), pool.WriteOptions{})
	if !errors.Is(err, pool.ErrPoolFull) {
		t.Errorf("write with every drive full: %v, want ErrPoolFull", err)
	}
	for _, d := range e.Drives {
		e.Faulty(d).Heal()
	}
	if got := e.Get("Docs/f"); string(got) != "precious" {
		t.Errorf("the old file holds %q", got)
	}
}

func TestReadFailsOverToOtherCopy(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	data := randBytes(3, 4<<20)
	e.Put("Docs/f", data)
	// The first drive is read first; it fails after a few reads.
	e.Faulty(e.Drives[0]).Fail(drivetest.OpRead, 2, 1, &os.PathError{Op: "read", Path: "x", Err: syscall.EIO})
	if got := e.Get("Docs/f"); !bytes.Equal(got, data) {
		t.Fatalf("read with a failing copy: %d bytes, want %d", len(got), len(data))
	}
	if st := e.DriveState(e.Drives[0]); st != pool.StateFailing {
		t.Errorf("the drive that failed the read is %q, want failing", st)
	}
}

func TestHungDriveIsMarkedMissing(t *testing.T) {
	e := pooltest.New(t, 2, func(o *pool.Options) { o.DriveTimeout = 300 * time.Millisecond })
	e.Run()
	f := e.Faulty(e.Drives[0])
	f.Hang(drivetest.OpCheck)
	start := time.Now()
	pooltest.Eventually(t, 20*time.Second, "a drive that stopped answering is seen missing", func() bool { return e.DriveState(e.Drives[0]) == pool.StateMissing })
	t.Logf("marked missing after %v", time.Since(start).Round(time.Millisecond))
	f.Heal()
	pooltest.Eventually(t, 20*time.Second, "the drive answers again and returns", func() bool { return e.DriveState(e.Drives[0]) == pool.StateActive })
}

func TestDuplicationChange(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 1)
	for i := range 10 {
		e.Put(fmt.Sprintf("Docs/f%d", i), randBytes(uint64(i), 5000))
	}
	ctx := context.Background()
	two, one := 2, 1
	e.Pool.SetShare(ctx, "Docs", pool.ShareSettings{Copies: &two})
	rep, err := e.Pool.Repair(ctx)
	if err != nil || rep.Copied != 10 {
		t.Fatalf("turning duplication on: %+v, %v", rep, err)
	}
	for i := range 10 {
		if h := e.Holders(fmt.Sprintf("Docs/f%d", i)); len(h) != 2 {
			t.Errorf("f%d on %v", i, h)
		}
	}
	e.Pool.SetShare(ctx, "Docs", pool.ShareSettings{Copies: &one})
	rep, _ = e.Pool.Repair(ctx)
	if rep.Thinned != 10 {
		t.Errorf("turning duplication off thinned %d", rep.Thinned)
	}
	for i := range 10 {
		if h := e.Holders(fmt.Sprintf("Docs/f%d", i)); len(h) != 1 {
			t.Errorf("f%d on %v after thinning", i, h)
		}
	}
}

func TestRemoveDrive(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	ctx := context.Background()
	files := map[string][]byte{}
	for i := range 15 {
		p := fmt.Sprintf("Docs/f%02d", i)
		files[p] = randBytes(uint64(i), 20000)
		e.Put(p, files[p])
	}
	e.Put("Docs/f00", []byte("newer")) // leaves a version behind
	files["Docs/f00"] = []byte("newer")
	gone := e.Drives[0]
	e.Run() // the repairer works alongside the evacuation, as in the daemon
	rep, err := e.Pool.RemoveDrive(ctx, gone, pool.RemoveOptions{})
	e.StopRun()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Moved == 0 {
		t.Error("nothing was moved off the drive")
	}
	e.Drives = e.Drives[1:]
	for p, data := range files {
		if h := e.Holders(p); len(h) != 2 {
			t.Errorf("%s on %v after removal, want both remaining drives", p, h)
		}
		if got := e.Get(p); !bytes.Equal(got, data) {
			t.Errorf("%s content changed", p)
		}
	}
	if vs, _ := e.Pool.Versions(ctx, "Docs/f00"); len(vs) != 1 || vs[0].Copies == 0 {
		t.Errorf("the version did not survive the removal: %+v", vs)
	}
	if vs, _ := e.Pool.Versions(ctx, "Docs"); len(vs) != 1 {
		t.Errorf("moving files made %d versions, want only the one overwrite's: %+v", len(vs), vs)
	}
	if _, err := os.Stat(filepath.Join(gone, ".hearth", "drive.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed drive still has its marker: %v", err)
	}
	if ds, _ := e.Pool.Drives(ctx); len(ds) != 2 {
		t.Errorf("%d drives after removal", len(ds))
	}
	if _, err := e.Pool.RemoveDrive(ctx, e.Drives[0], pool.RemoveOptions{}); !errors.Is(err, pool.ErrRefused) {
		t.Errorf("removing a drive that leaves duplicated files with one copy: %v, want ErrRefused", err)
	}
	e.Faulty(e.Drives[1]).SetFree(10)
	if _, err := e.Pool.RemoveDrive(ctx, e.Drives[0], pool.RemoveOptions{Force: true}); !errors.Is(err, pool.ErrRefused) {
		t.Errorf("removing a drive when the rest has no room: %v, want ErrRefused", err)
	}
}

func TestRemoveMissingDrive(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("One", 1)
	e.Faulty(e.Drives[0]).SetFree(1 << 50)
	e.Put("One/only-here", []byte("x"))
	e.Run()
	os.RemoveAll(e.Drives[0])
	pooltest.Eventually(t, 20*time.Second, "missing", func() bool { return e.DriveState(e.Drives[0]) == pool.StateMissing })
	ctx := context.Background()
	if _, err := e.Pool.RemoveDrive(ctx, e.Drives[0], pool.RemoveOptions{}); !errors.Is(err, pool.ErrRefused) {
		t.Errorf("removing a missing drive without --force: %v", err)
	}
	rep, err := e.Pool.RemoveDrive(ctx, e.Drives[0], pool.RemoveOptions{Force: true})
	if err != nil || !slices.Equal(rep.Lost, []string{"One/only-here"}) {
		t.Errorf("forced removal = %+v, %v", rep, err)
	}
	st, _ := e.Pool.Status(ctx)
	if len(st.Damaged) != 1 {
		t.Errorf("the lost file is not reported: %+v", st.Damaged)
	}
}

// Background work never moves a file someone is writing: the repairer waits until the
// upload is done.
func TestBackgroundLeavesFileBeingWritten(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 1)
	ctx := context.Background()
	e.Put("Docs/busy", []byte("old"))
	e.Put("Docs/idle", []byte("idle"))
	w, err := e.Pool.Create(ctx, "Docs/busy", pool.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("half of the new"))
	two := 2
	e.Pool.SetShare(ctx, "Docs", pool.ShareSettings{Copies: &two})
	rep, err := e.Pool.Repair(ctx)
	if err != nil || rep.Copied != 1 || rep.Waiting != 1 {
		t.Errorf("repair while a file is written = %+v, %v; want the idle file copied and the busy one waiting", rep, err)
	}
	if h := e.Holders("Docs/busy"); len(h) != 1 {
		t.Errorf("the file being written was copied: %v", h)
	}
	if err := e.Pool.Remove(ctx, "Docs/busy"); err == nil {
		t.Error("a file being written was deleted under the writer")
	}
	w.Write([]byte(" content"))
	if _, err := w.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	e.Pool.Repair(ctx)
	for _, h := range e.Holders("Docs/busy") {
		if raw, _ := os.ReadFile(pooltest.OnDisk(e.Drives[h], "Docs/busy")); string(raw) != "half of the new content" {
			t.Errorf("copy on drive %d holds %q", h, raw)
		}
	}
	if h := e.Holders("Docs/busy"); len(h) != 2 {
		t.Errorf("after the upload, the file is on %v, want 2 drives", h)
	}
}

// TestScrubNotHeldToCopyingRate: a scrub only reads, so the cap on background copying
// does not hold it back (it still pauses while the family uses the pool). With a cap of
// one byte a second, a scrub held to it would not get past the first megabyte of these
// files before the deadline; it checks every copy.
func TestScrubNotHeldToCopyingRate(t *testing.T) {
	e := pooltest.New(t, 2, func(o *pool.Options) { o.BackgroundRate = 1 })
	e.Share("Docs", 2)
	for i := range 3 {
		e.Put(fmt.Sprintf("Docs/f%d", i), randBytes(uint64(i), 3<<20+i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := e.Pool.Scrub(ctx)
	if err != nil || rep.Stopped {
		t.Fatalf("scrub: %v (stopped %v): held to the background copying rate", err, rep.Stopped)
	}
	if rep.Copies != 6 || rep.Bad != 0 || rep.Bytes != 2*(3*(3<<20)+3) {
		t.Errorf("scrub checked %d copies, %d bytes, %d bad; want 6 copies, every byte, none bad", rep.Copies, rep.Bytes, rep.Bad)
	}
}

// TestScrubReadsPastTheCache: a scrub reads every copy past the page cache (what the
// disk holds), and a filesystem that takes the switch to direct reads but refuses them
// (EINVAL, as some FUSE ones do) has its copies read through the cache instead, not
// called bad.
func TestScrubReadsPastTheCache(t *testing.T) {
	for _, c := range []struct {
		name  string
		err   error
		count int // direct reads that fail
		bad   int // copies the scrub must find bad
	}{
		{"direct reads are made", syscall.EBADMSG, 1, 1},
		{"refused direct reads fall back", syscall.EINVAL, -1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := pooltest.New(t, 2)
			e.Share("Docs", 2)
			var bytes int64
			for i := range 3 {
				data := randBytes(uint64(i), 1<<20+i*5000)
				e.Put(fmt.Sprintf("Docs/f%d", i), data)
				bytes += 2 * int64(len(data))
			}
			e.Faulty(e.Drives[0]).Fail(drivetest.OpReadDirect, 0, c.count, c.err)
			rep, err := e.Pool.Scrub(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Copies != 6 || rep.Bad != c.bad || rep.Healed != c.bad || len(rep.Damaged) != 0 {
				t.Errorf("scrub: %d copies, %d bad, %d healed, damaged %v; want 6, %d, %d, none",
					rep.Copies, rep.Bad, rep.Healed, rep.Damaged, c.bad, c.bad)
			}
			if c.bad == 0 && rep.Bytes != bytes {
				t.Errorf("scrub read %d bytes, want %d", rep.Bytes, bytes)
			}
		})
	}
}
