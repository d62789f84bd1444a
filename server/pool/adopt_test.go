package pool_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/zeebo/blake3"
)

// stage writes data as a staged file (synced, as an upload keeps its chunks) and returns
// its name and the index of the drive holding it.
func stage(t *testing.T, e *pooltest.Env, name string, data []byte) (string, int) {
	t.Helper()
	dir, err := e.Pool.StagingDir(context.Background(), "test", int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	staged := filepath.Join(dir, name)
	f, err := os.OpenFile(staged, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		t.Fatal(err)
	}
	for i, d := range e.Drives {
		if strings.HasPrefix(staged, d+string(filepath.Separator)) {
			return staged, i
		}
	}
	t.Fatalf("%s is on no drive of the pool", staged)
	return "", 0
}

// sameFile reports whether two names are one file (a link, not a copy).
func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("stat: %v %v", err1, err2)
	}
	return os.SameFile(sa, sb)
}

// wantSums are the block checksums reads check: CRC-32C of every 256 KiB.
func wantSums(data []byte) []uint32 {
	var out []uint32
	for len(data) > 0 {
		k := min(len(data), 1<<18)
		out = append(out, crc32.Checksum(data[:k], crc32.MakeTable(crc32.Castagnoli)))
		data = data[k:]
	}
	return out
}

// TestAdopt: a staged file becomes the pool's file as a normal write makes it (hash,
// block checksums, time, copies the share wants, the file there before kept as a
// version), but its copy on the staging drive is the staged file itself, linked in, not
// written again; the other copies are written to other drives.
func TestAdopt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		drives int
		copies int
		before []byte // the file at the path before, if any
		size   int
	}{
		{"a new file, one copy", 1, 1, nil, 3<<20 + 12345},
		{"a new file, duplicated", 2, 2, nil, 3<<20 + 12345},
		{"a file replaced, its old content kept as a version", 1, 1, randBytes(9, 5000), 3<<20 + 12345},
		{"a duplicated file replaced", 3, 2, randBytes(9, 700<<10), 3<<20 + 12345},
		{"an empty file, duplicated", 2, 2, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := pooltest.New(t, tc.drives)
			e.Share("Docs", tc.copies)
			e.Mkdir("Docs/in")
			ctx := context.Background()
			path := "Docs/in/big.bin"
			var old pool.FileInfo
			if tc.before != nil {
				old = e.Put(path, tc.before)
			}
			data := randBytes(1, tc.size)
			staged, on := stage(t, e, "u1.part", data)
			mtime := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
			fi, err := e.Pool.Adopt(ctx, path, staged, pool.WriteOptions{Size: int64(len(data)), ModTime: mtime})
			if err != nil {
				t.Fatal(err)
			}
			sum := blake3.Sum256(data)
			if fi.Size != int64(len(data)) || fi.Copies != tc.copies || !fi.ModTime.Equal(mtime) || fi.Hash != hex.EncodeToString(sum[:]) {
				t.Fatalf("adopted: %+v; want %d bytes, %d copies, time %v, the content's hash", fi, len(data), tc.copies, mtime)
			}
			if got := e.Get(path); !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes that differ from the staged ones", len(got))
			}
			holders := e.Holders(path)
			if len(holders) != tc.copies || !slices.Contains(holders, on) {
				t.Fatalf("copies on drives %v; want %d, one on the staging drive %d", holders, tc.copies, on)
			}
			for _, h := range holders {
				onDisk := pooltest.OnDisk(e.Drives[h], path)
				if linked := sameFile(t, onDisk, staged); linked != (h == on) {
					t.Errorf("the copy on drive %d is the staged file itself: %v; want %v", h, linked, h == on)
				}
				st, _ := os.Stat(onDisk)
				if raw, _ := os.ReadFile(onDisk); !bytes.Equal(raw, data) || !st.ModTime().Equal(mtime) || st.Mode().Perm() != 0o644 {
					t.Errorf("the copy on drive %d: %v, %v; want the content, the time, mode 0644", h, st.ModTime(), st.Mode())
				}
			}
			var sums catalog.BlockSums
			if err := e.Cat.View(ctx, func(tx *catalog.Tx) (err error) { sums, err = tx.BlockSums(ctx, sum[:]); return err }); err != nil && len(data) > 1<<20 {
				t.Fatalf("block checksums: %v", err)
			}
			if len(data) > 1<<20 && (sums.Shift != 18 || !slices.Equal(sums.CRCs, wantSums(data))) {
				t.Errorf("block checksums %d of shift %d, want those of every 256 KiB", len(sums.CRCs), sums.Shift)
			}
			vs, err := e.Pool.Versions(ctx, path)
			if tc.before == nil && (err != nil || len(vs) != 0) {
				t.Errorf("versions of a new file: %v %v", vs, err)
			}
			if tc.before != nil {
				if err != nil || len(vs) != 1 || vs[0].Gen != old.Gen || vs[0].Copies != tc.copies {
					t.Fatalf("versions %+v (%v); want the old content (generation %d) with %d copies", vs, err, old.Gen, tc.copies)
				}
				r, _, err := e.Pool.OpenVersion(ctx, path, old.Gen)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				r.Close()
				if err != nil || !bytes.Equal(got, tc.before) {
					t.Errorf("the kept version reads %d bytes (%v), want the old content", len(got), err)
				}
			}
			if got, err := os.ReadFile(staged); err != nil || !bytes.Equal(got, data) {
				t.Errorf("the staged file after the commit: %v; its owner removes it", err)
			}
			checkIndexMatchesDrives(t, e)
		})
	}
}

// TestAdoptFailsWhole: a commit that fails on the way (the sync, the rename) leaves the
// old file, nothing in the temp areas, and the staged file as it was, with no other
// link: it can be adopted again, and then is.
func TestAdoptFailsWhole(t *testing.T) {
	for _, op := range []drivetest.Op{drivetest.OpAdopt, drivetest.OpFinish, drivetest.OpCommit} {
		t.Run(string(op), func(t *testing.T) {
			e := pooltest.New(t, 1)
			e.Share("Docs", 1)
			ctx := context.Background()
			e.Put("Docs/a", []byte("old"))
			data := randBytes(2, 1<<20)
			staged, _ := stage(t, e, "u.part", data)
			e.Faulty(e.Drives[0]).Fail(op, 0, 1, syscall.EINVAL)
			if _, err := e.Pool.Adopt(ctx, "Docs/a", staged, pool.WriteOptions{Size: int64(len(data))}); err == nil {
				t.Fatal("the commit succeeded through a failing drive")
			}
			if got := e.Get("Docs/a"); string(got) != "old" {
				t.Fatalf("after a failed commit the file holds %q", got)
			}
			assertStagedAlone(t, staged, data)
			checkIndexMatchesDrives(t, e)
			if _, err := e.Pool.Adopt(ctx, "Docs/a", staged, pool.WriteOptions{Size: int64(len(data))}); err != nil {
				t.Fatal(err)
			}
			if got := e.Get("Docs/a"); !bytes.Equal(got, data) || !sameFile(t, pooltest.OnDisk(e.Drives[0], "Docs/a"), staged) {
				t.Fatal("adopting again did not link the staged file into place")
			}
		})
	}
}

// assertStagedAlone checks that the staged file holds data and has no other link.
func assertStagedAlone(t *testing.T, staged string, data []byte) {
	t.Helper()
	st, err := os.Stat(staged)
	if err != nil {
		t.Fatalf("the staged file is gone: %v", err)
	}
	if n := st.Sys().(*syscall.Stat_t).Nlink; n != 1 {
		t.Errorf("the staged file has %d links, want 1", n)
	}
	if got, _ := os.ReadFile(staged); !bytes.Equal(got, data) {
		t.Errorf("the staged file changed")
	}
}

// TestAdoptAfterCrash: the process dies in the middle of a commit. Before the copy was
// in place, the restart leaves the old file and the staged file alone, to be adopted
// again. After it was in place but before the index knew, the restart finds the new
// file (the index follows the drive); the staged file, still a second name of it, is
// then copied by a second Adopt rather than linked: two files of the pool are never
// one.
func TestAdoptAfterCrash(t *testing.T) {
	for _, renamed := range []bool{false, true} {
		name := map[bool]string{false: "killed before the rename", true: "killed before the index"}[renamed]
		t.Run(name, func(t *testing.T) {
			e := pooltest.New(t, 1)
			e.Share("Docs", 1)
			ctx := context.Background()
			e.Put("Docs/a", []byte("old"))
			data := randBytes(3, 600<<10)
			staged, _ := stage(t, e, "u.part", data)
			// What Adopt does on the drive, without the index: then the process dies.
			d := e.Drive(e.Drives[0])
			rel := strings.TrimPrefix(staged, filepath.Join(e.Drives[0], ".hearth", "staging")+"/")
			pf, r, err := d.Adopt(ctx, "Docs/a", rel)
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			sum := blake3.Sum256(data)
			var gen uint64 = 1 << 40 // newer than anything the index gave
			if err := pf.Finish(ctx, time.Now(), drive.Meta{Gen: gen, Hash: drive.Hash(sum)}); err != nil {
				t.Fatal(err)
			}
			if renamed {
				if err := pf.Commit(ctx, true); err != nil {
					t.Fatal(err)
				}
			}
			e.Crash()
			e.Open()
			want := []byte("old")
			if renamed {
				want = data
			}
			if got := e.Get("Docs/a"); !bytes.Equal(got, want) {
				t.Fatalf("after the restart the file holds %d bytes, want %d", len(got), len(want))
			}
			checkIndexMatchesDrives(t, e)
			if !renamed {
				assertStagedAlone(t, staged, data)
			}
			if _, err := e.Pool.Adopt(ctx, "Docs/a", staged, pool.WriteOptions{Size: int64(len(data))}); err != nil {
				t.Fatal(err)
			}
			onDisk := pooltest.OnDisk(e.Drives[0], "Docs/a")
			if got := e.Get("Docs/a"); !bytes.Equal(got, data) || sameFile(t, onDisk, staged) == renamed {
				t.Fatalf("adopting again: linked %v, want %v", sameFile(t, onDisk, staged), !renamed)
			}
			checkIndexMatchesDrives(t, e)
		})
	}
}

// TestAdoptStagingDriveGone: when the drive holding the staged file is gone, the commit
// fails as not found and the file at the path is as it was; a name outside every
// staging folder is refused.
func TestAdoptStagingDriveGone(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 1)
	ctx := context.Background()
	data := randBytes(4, 100<<10)
	staged, on := stage(t, e, "u.part", data)
	e.Put("Docs/a", []byte("old"))
	if _, err := e.Pool.Adopt(ctx, "Docs/a", filepath.Join(e.Dir, "elsewhere"), pool.WriteOptions{}); !errors.Is(err, pool.ErrRefused) {
		t.Errorf("a file outside the staging folders: %v, want refused", err)
	}
	if err := os.RemoveAll(e.Drives[on]); err != nil {
		t.Fatal(err)
	}
	_, err := e.Pool.Adopt(ctx, "Docs/a", staged, pool.WriteOptions{Size: int64(len(data))})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("adopting from a vanished drive: %v, want not found", err)
	}
	e.Run()
	pooltest.Eventually(t, 10*time.Second, "the drive is seen missing", func() bool {
		return e.DriveState(e.Drives[on]) == pool.StateMissing
	})
	if _, err := e.Pool.Adopt(ctx, "Docs/a", staged, pool.WriteOptions{Size: int64(len(data))}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("adopting from a missing drive: %v, want not found", err)
	}
	if fi, err := e.Pool.Stat(ctx, "Docs/a"); err == nil && fi.Size != 3 {
		t.Fatalf("the file changed: %+v", fi)
	}
}

// TestCrashMidAdopt kills a process that commits staged files (as uploads do) at random
// moments. After each restart every acknowledged file is intact, the commit cut off is
// whole or absent, the index matches the drives, and the staged file of the commit cut
// off is still whole and can be committed again.
func TestCrashMidAdopt(t *testing.T) {
	rounds := 16
	if testing.Short() {
		rounds = 4
	}
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	for d := range 3 {
		e.Mkdir("Docs/d" + string(rune('0'+d)))
	}
	e.Close()
	model := map[string]string{}
	logPath := filepath.Join(e.Dir, "acks.log")
	cutMidAdopt := 0
	for round := range rounds {
		os.Remove(logPath)
		runChild(t, e, logPath, uint64(100+round), time.Duration(150+round*37%400)*time.Millisecond, "CRASH_ADOPT=1")
		acked, inflight := readAcks(t, logPath)
		for _, op := range acked {
			op.apply(model)
		}
		e.Open()
		actual := poolFiles(t, e)
		if inflight != nil {
			inflight.settle(t, model, actual)
		}
		compareModel(t, round, model, actual)
		checkIndexMatchesDrives(t, e)
		if inflight != nil && inflight.kind == "W" {
			cutMidAdopt++
			path, hash, staged := inflight.args[0], inflight.args[1], inflight.args[2]
			raw, err := os.ReadFile(staged)
			if sum := blake3.Sum256(raw); err != nil || hex.EncodeToString(sum[:]) != hash {
				t.Fatalf("round %d: the staged file of the commit cut off is not whole (%v)", round, err)
			}
			if _, err := e.Pool.Adopt(context.Background(), path, staged, pool.WriteOptions{Size: int64(len(raw))}); err != nil {
				t.Fatalf("round %d: committing %s again: %v", round, path, err)
			}
			model[path] = hash
			compareModel(t, round, model, poolFiles(t, e))
			checkIndexMatchesDrives(t, e)
		}
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
		e.Close()
		for _, d := range e.Drives { // what the child left staged is done with
			os.RemoveAll(filepath.Join(d, ".hearth", "staging", "crash"))
		}
	}
	t.Logf("%d rounds, %d cut off in a commit, %d files at the end", rounds, cutMidAdopt, len(model))
}

// TestAdoptFromAFailingDrive: a staging drive that may take no new copy (it failed) is
// read, and the file written to the other drives like any write.
func TestAdoptFromAFailingDrive(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 1)
	ctx := context.Background()
	data := randBytes(5, 1<<20)
	staged, on := stage(t, e, "u.part", data)
	e.Faulty(e.Drives[on]).Fail(drivetest.OpCreate, 0, -1, syscall.EIO)
	e.Pool.WriteFile(ctx, "Docs/other", bytes.NewReader([]byte("x")), pool.WriteOptions{}) // meets the failure
	if st := e.DriveState(e.Drives[on]); st != pool.StateFailing {
		t.Fatalf("the staging drive is %s, want failing", st)
	}
	fi, err := e.Pool.Adopt(ctx, "Docs/a", staged, pool.WriteOptions{Size: int64(len(data))})
	if err != nil || fi.Copies != 1 {
		t.Fatalf("adopting from a failing drive: %+v %v", fi, err)
	}
	if got := e.Holders("Docs/a"); !slices.Equal(got, []int{1 - on}) {
		t.Fatalf("the copy is on drives %v, want the working one", got)
	}
	if got := e.Get("Docs/a"); !bytes.Equal(got, data) {
		t.Fatal("the file differs from the staged one")
	}
	assertStagedAlone(t, staged, data)
}
