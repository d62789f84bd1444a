package pool_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// rotted is a two-copy file whose copy on the first drive (the one read first) has a
// flipped byte.
type rotted struct {
	e    *pooltest.Env
	path string
	data []byte
}

func newRotted(t *testing.T, size int, at int64, keepSums bool) rotted {
	t.Helper()
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	r := rotted{e: e, path: "Docs/photo.raw", data: randBytes(uint64(size), size)}
	e.Put(r.path, r.data)
	if !keepSums { // as a file written before block checksums were kept
		forgetSums(t, e, r.path)
	}
	pooltest.FlipByte(t, pooltest.OnDisk(e.Drives[0], r.path), at)
	return r
}

func forgetSums(t *testing.T, e *pooltest.Env, path string) {
	t.Helper()
	ctx := context.Background()
	err := e.Cat.Update(ctx, func(tx *catalog.Tx) error {
		en, err := tx.Entry(ctx, path)
		if err != nil {
			return err
		}
		return tx.PutBlockSums(ctx, en.Hash, catalog.BlockSums{}) // unusable: as if none
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readAll(e *pooltest.Env, path string) ([]byte, error) {
	f, err := e.Pool.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func readAt(e *pooltest.Env, path string, off int64, n int) ([]byte, error) {
	f, err := e.Pool.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	k, err := f.ReadAt(b, off)
	if errors.Is(err, io.EOF) && k == n {
		err = nil
	}
	return b[:k], err
}

// A copy with a flipped byte is never returned: the reader gets the good copy, every
// time, whether it reads the whole file or a piece; the bad copy is marked, counts
// against its drive, and the repairer rewrites it from the good one within seconds.
func TestReadsNeverReturnRot(t *testing.T) {
	cases := []struct {
		name string
		size int
		at   int64
		sums bool
	}{
		{"small file", 300_000, 123_456, true},
		{"large file", 3_000_000, 2_100_000, true},
		{"large file, rot in its last block", 3_000_000, 2_999_999, true},
		{"large file without block sums, read in a piece", 3_000_000, 1_000_000, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRotted(t, c.size, c.at, c.sums)
			for i := range 20 {
				var got, want []byte
				var err error
				if c.sums || i%2 == 1 {
					got, err = readAll(r.e, r.path)
					want = r.data
				} else {
					got, err = readAt(r.e, r.path, c.at-1000, 5000)
					want = r.data[c.at-1000 : c.at+4000]
				}
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("read %d: %d bytes, %v; want the good %d bytes", i, len(got), err, len(want))
				}
			}
			if n := r.e.DriveInfo(r.e.Drives[0]).BadCopies; n != 1 {
				t.Errorf("drive A counts %d bad copies, want 1", n)
			}
			r.e.Run()
			pooltest.Eventually(t, 5*time.Second, "the bad copy is rewritten from the good one", func() bool {
				raw, _ := os.ReadFile(pooltest.OnDisk(r.e.Drives[0], r.path))
				return bytes.Equal(raw, r.data)
			})
		})
	}
}

// A large file the index has no block checksums for (from before they were kept, or
// found by a rebuild) is checked whole before its first byte is returned, even for a
// read that stops early: its rotten copy is never served, the good one is, and the
// block sums learned then check every later read.
func TestFileWithoutSumsIsCheckedBeforeItsFirstByte(t *testing.T) {
	r := newRotted(t, 3_000_000, 10, false)
	got, err := readAt(r.e, r.path, 0, 100_000)
	if err != nil || !bytes.Equal(got, r.data[:100_000]) {
		t.Fatalf("a read of the first 100 kB: %d bytes, %v; want the good ones", len(got), err)
	}
	if got, err := readAll(r.e, r.path); err != nil || !bytes.Equal(got, r.data) {
		t.Fatalf("a read of it all: %d bytes, %v; want the good copy", len(got), err)
	}
	ctx := context.Background()
	r.e.Cat.View(ctx, func(tx *catalog.Tx) error {
		en, _ := tx.Entry(ctx, r.path)
		s, err := tx.BlockSums(ctx, en.Hash)
		if err != nil || len(s.CRCs) != (len(r.data)+(1<<18)-1)>>18 {
			t.Errorf("block sums after a good read: %d, %v", len(s.CRCs), err)
		}
		return nil
	})
	if fi, _ := r.e.Pool.Stat(ctx, r.path); fi.Copies != 1 {
		t.Errorf("the file counts %d good copies while one waits to be healed; want 1", fi.Copies)
	}
}

// The background pass gives files without block checksums theirs.
func TestMissingSumsAreLearnedInTheBackground(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	data := randBytes(4, 3_000_000)
	// A file copied onto a drive by hand is taken up without block sums.
	if err := os.WriteFile(pooltest.OnDisk(e.Drives[0], "Docs/old.mov"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	e.Crash()
	e.Open()
	ctx := context.Background()
	if got := e.Get("Docs/old.mov"); !bytes.Equal(got, data) {
		t.Fatal("the file copied by hand reads differently")
	}
	e.Cat.Update(ctx, func(tx *catalog.Tx) error { _, err := tx.PruneBlockSums(ctx); return err })
	e.Run()
	pooltest.Eventually(t, 10*time.Second, "the file gets its block checksums", func() bool {
		ok := false
		e.Cat.View(ctx, func(tx *catalog.Tx) error {
			en, _ := tx.Entry(ctx, "Docs/old.mov")
			_, err := tx.BlockSums(ctx, en.Hash)
			ok = err == nil
			return nil
		})
		return ok
	})
}

// Each copy bad in a different block: every block is good somewhere, so the read returns
// the whole good file, and the repairer mends both copies from the good blocks.
func TestEachBlockFromACopyThatHasItGood(t *testing.T) {
	r := newRotted(t, 3_000_000, 1_400_000, true)
	pooltest.FlipByte(t, pooltest.OnDisk(r.e.Drives[1], r.path), 2_600_000)
	if got, err := readAll(r.e, r.path); err != nil || !bytes.Equal(got, r.data) {
		t.Fatalf("read %d bytes, %v; want the good file from the good blocks of both copies", len(got), err)
	}
	r.e.Run()
	pooltest.Eventually(t, 10*time.Second, "both copies are mended", func() bool {
		for _, d := range r.e.Drives {
			if raw, _ := os.ReadFile(pooltest.OnDisk(d, r.path)); !bytes.Equal(raw, r.data) {
				return false
			}
		}
		return true
	})
	if st, _ := r.e.Pool.Status(context.Background()); len(st.Damaged) != 0 {
		t.Errorf("damaged files: %+v; want none", st.Damaged)
	}
}

// When every copy is bad, a read fails with ErrDamaged and never returns the bad bytes;
// the file is listed as damaged, which health reports by name.
func TestEveryCopyBadIsDamaged(t *testing.T) {
	for _, size := range []int{100_000, 3_000_000} {
		r := newRotted(t, size, int64(size/2), true)
		pooltest.FlipByte(t, pooltest.OnDisk(r.e.Drives[1], r.path), int64(size/2))
		got, err := readAll(r.e, r.path)
		if !errors.Is(err, pool.ErrDamaged) {
			t.Errorf("%d bytes: read %d bytes, %v; want ErrDamaged", size, len(got), err)
		}
		if len(got) > size/2 {
			t.Errorf("%d bytes: %d bytes returned, past the bad block at %d", size, len(got), size/2)
		}
		st, err := r.e.Pool.Status(context.Background())
		if err != nil || len(st.Damaged) != 1 || st.Damaged[0].Path != r.path {
			t.Errorf("%d bytes: damaged files %+v, %v; want %s", size, st.Damaged, err, r.path)
		}
		if _, err := r.e.Pool.Open(context.Background(), r.path); !errors.Is(err, pool.ErrDamaged) {
			t.Errorf("%d bytes: opening it again: %v; want ErrDamaged", size, err)
		}
	}
}

// A copy cut short on its drive is as bad as a rotten one.
func TestTruncatedCopyIsBad(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	data := randBytes(3, 2_000_000)
	e.Put("Docs/x", data)
	if err := os.Truncate(pooltest.OnDisk(e.Drives[0], "Docs/x"), 1_500_000); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(e, "Docs/x"); err != nil || !bytes.Equal(got, data) {
		t.Errorf("read %d bytes, %v; want the whole good copy", len(got), err)
	}
}

// A small file read a moment ago is not hashed again while its copy is the same file
// state and all in memory (checked.go); a change to the copy on the drive, even one that
// puts its mtime back (FlipByte does), is a new state and is checked: the rot, now in the
// page cache, is never served.
func TestSmallFileCheckedAgainAfterItsCopyChanged(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	path, data := "Docs/note.txt", randBytes(7, 16<<10)
	e.Put(path, data)
	for i := range 3 { // the first read checks it; the next ones may skip the hash
		if got, err := readAll(e, path); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %d: %d bytes, %v", i, len(got), err)
		}
	}
	for _, d := range e.Drives { // whichever copy the reads used
		pooltest.FlipByte(t, pooltest.OnDisk(d, path), 100)
		got, err := readAll(e, path)
		if d == e.Drives[0] && (err != nil || !bytes.Equal(got, data)) {
			t.Fatalf("with one copy rotten: %d bytes, %v; want the good copy's", len(got), err)
		}
		if d == e.Drives[1] && !errors.Is(err, pool.ErrDamaged) {
			t.Fatalf("with both copies rotten: %d bytes, %v; want ErrDamaged", len(got), err)
		}
	}
}
