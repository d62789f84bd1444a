package pool_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestWriteReadDuplicated(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	e.Mkdir("Docs/empty")
	e.Mkdir("Docs/photos")
	ctx := context.Background()
	mtime := time.Date(2019, 5, 1, 12, 0, 0, 0, time.UTC)
	// Around the edges of O_DIRECT's alignment, the write chunk and the size from which
	// copies are written with O_DIRECT (drive.DirectFrom).
	sizes := []int{0, 1, 4095, 4096, 4097, 1<<20 - 1, 1 << 20, 1<<20 + 1, 5 << 20, drive.DirectFrom, drive.DirectFrom + 3<<20 + 12345}
	for i, n := range sizes {
		data := randBytes(uint64(i), n)
		path := "Docs/photos/f" + string(rune('a'+i))
		fi, err := e.Pool.WriteFile(ctx, path, bytes.NewReader(data), pool.WriteOptions{Size: int64(n), ModTime: mtime})
		if err != nil {
			t.Fatal(err)
		}
		if fi.Copies != 2 || fi.Size != int64(n) {
			t.Errorf("%s: %d copies, size %d; want 2 copies of %d bytes", path, fi.Copies, fi.Size, n)
		}
		if got := e.Get(path); !bytes.Equal(got, data) {
			t.Fatalf("%s: read back %d bytes, want %d", path, len(got), n)
		}
		holders := e.Holders(path)
		if len(holders) != 2 {
			t.Fatalf("%s is on drives %v, want exactly 2", path, holders)
		}
		for _, h := range holders {
			raw, err := os.ReadFile(pooltest.OnDisk(e.Drives[h], path))
			if err != nil || !bytes.Equal(raw, data) {
				t.Errorf("%s on drive %d: a plain file with the content? err=%v", path, h, err)
			}
			st, _ := os.Stat(pooltest.OnDisk(e.Drives[h], path))
			if !st.ModTime().Equal(mtime) {
				t.Errorf("%s on drive %d: mtime %v, want %v", path, h, st.ModTime(), mtime)
			}
		}
	}
	// Every drive shows the whole tree, empty folders too.
	for _, d := range e.Drives {
		for _, dir := range []string{"Docs", "Docs/empty", "Docs/photos"} {
			if st, err := os.Stat(pooltest.OnDisk(d, dir)); err != nil || !st.IsDir() {
				t.Errorf("folder %s missing on %s", dir, d)
			}
		}
	}
	list, err := e.Pool.List(ctx, "Docs/photos")
	if err != nil || len(list) != len(sizes) {
		t.Fatalf("List = %d entries, %v", len(list), err)
	}
}

func TestSingleCopyShareAndAutomatic(t *testing.T) {
	e := pooltest.New(t, 1)
	e.Share("Auto", 0)
	e.Share("One", 1)
	e.Put("Auto/a", []byte("a"))
	e.Put("One/b", []byte("b"))
	if fi, _ := e.Pool.Stat(context.Background(), "Auto/a"); fi.Wanted != 1 {
		t.Errorf("automatic duplication with one drive wants %d copies", fi.Wanted)
	}
	e.AddDrive()
	if fi, _ := e.Pool.Stat(context.Background(), "Auto/a"); fi.Wanted != 2 {
		t.Errorf("automatic duplication with two drives wants %d copies", fi.Wanted)
	}
	if _, err := e.Pool.Repair(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h := e.Holders("Auto/a"); len(h) != 2 {
		t.Errorf("after adding a drive, Auto/a is on %v, want 2 drives", h)
	}
	if h := e.Holders("One/b"); len(h) != 1 {
		t.Errorf("One/b is on %v, want 1 drive", h)
	}
	// The second drive got the folders of the first.
	if _, err := os.Stat(pooltest.OnDisk(e.Drives[1], "One")); err != nil {
		t.Errorf("share folder not made on the new drive: %v", err)
	}
}

func TestPlacementByFreeSpace(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 1)
	e.Faulty(e.Drives[0]).SetFree(10 << 20)
	e.Faulty(e.Drives[1]).SetFree(50 << 20)
	e.Faulty(e.Drives[2]).SetFree(100)
	e.Put("Docs/a", make([]byte, 1000))
	if h := e.Holders("Docs/a"); !slices.Equal(h, []int{1}) {
		t.Errorf("file placed on %v, want the drive with the most room [1]", h)
	}
	e.Faulty(e.Drives[1]).SetFree(100)
	e.Put("Docs/b", make([]byte, 1000))
	if h := e.Holders("Docs/b"); !slices.Equal(h, []int{0}) {
		t.Errorf("with the best drive full, placed on %v, want [0]", h)
	}
	e.Faulty(e.Drives[0]).SetFree(100)
	_, err := e.Pool.WriteFile(context.Background(), "Docs/c", bytes.NewReader(make([]byte, 1000)), pool.WriteOptions{Size: 1000})
	if !errors.Is(err, pool.ErrPoolFull) {
		t.Errorf("with every drive full: %v, want ErrPoolFull", err)
	}
}

func TestOverwriteKeepsVersionsAndRestore(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	ctx := context.Background()
	e.Put("Docs/report.txt", []byte("draft 1"))
	e.Put("Docs/report.txt", []byte("draft 2"))
	e.Put("Docs/report.txt", []byte("final"))
	vs, err := e.Pool.Versions(ctx, "Docs/report.txt")
	if err != nil || len(vs) != 2 {
		t.Fatalf("Versions = %+v, %v; want 2", vs, err)
	}
	r, _, err := e.Pool.OpenVersion(ctx, "Docs/report.txt", vs[1].Gen)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "draft 1" || vs[1].Copies != 2 {
		t.Errorf("oldest version = %q with %d copies", b, vs[1].Copies)
	}
	if err := e.Pool.Remove(ctx, "Docs/report.txt"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.Stat(ctx, "Docs/report.txt"); !errors.Is(err, pool.ErrNotFound) {
		t.Fatalf("deleted file still there: %v", err)
	}
	vs, _ = e.Pool.Versions(ctx, "Docs/report.txt")
	if len(vs) != 3 {
		t.Fatalf("after delete, %d versions, want 3", len(vs))
	}
	if _, err := e.Pool.RestoreVersion(ctx, "Docs/report.txt", vs[0].Gen, ""); err != nil {
		t.Fatal(err)
	}
	if got := e.Get("Docs/report.txt"); string(got) != "final" {
		t.Errorf("restored %q, want the deleted content", got)
	}
}

func TestPruneVersions(t *testing.T) {
	e := pooltest.New(t, 1, func(o *pool.Options) { o.VersionsMax = 2 })
	e.Share("Docs", 1)
	for i := range 5 {
		e.Put("Docs/f", []byte{byte(i)})
	}
	n, err := e.Pool.PruneVersions(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("PruneVersions = %d, %v; want 2 removed", n, err)
	}
	vs, _ := e.Pool.Versions(context.Background(), "Docs/f")
	if len(vs) != 2 {
		t.Errorf("%d versions left, want 2", len(vs))
	}
	left, _ := filepath.Glob(filepath.Join(e.Drives[0], ".hearth", "versions", "Docs", "f~v*"))
	if len(left) != 2 {
		t.Errorf("%d version files on disk, want 2", len(left))
	}
}

func TestMkdirRenameRemove(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	ctx := context.Background()
	e.Mkdir("Docs/a")
	e.Mkdir("Docs/a/b")
	e.Put("Docs/a/b/x", []byte("x"))
	e.Put("Docs/y", []byte("y"))
	if _, err := e.Pool.Mkdir(ctx, "Docs/a", time.Time{}); !errors.Is(err, pool.ErrExist) {
		t.Errorf("Mkdir of an existing folder: %v", err)
	}
	if _, err := e.Pool.WriteFile(ctx, "Docs/none/x", bytes.NewReader(nil), pool.WriteOptions{}); !errors.Is(err, pool.ErrNotFound) {
		t.Errorf("write into a missing folder: %v", err)
	}
	if err := e.Pool.Rename(ctx, "Docs/a", "Docs/c"); err != nil {
		t.Fatal(err)
	}
	if got := e.Get("Docs/c/b/x"); string(got) != "x" {
		t.Errorf("after folder rename: %q", got)
	}
	for _, d := range e.Drives {
		if _, err := os.Stat(pooltest.OnDisk(d, "Docs/a")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("old folder still on %s", d)
		}
		if _, err := os.Stat(pooltest.OnDisk(d, "Docs/c/b/x")); err != nil {
			t.Errorf("moved file missing on %s", d)
		}
	}
	if err := e.Pool.Rename(ctx, "Docs/c", "Docs/c/b/z"); err == nil {
		t.Error("a folder was moved into itself")
	}
	if err := e.Pool.Rename(ctx, "Docs/y", "Docs/c/b/x"); err != nil {
		t.Fatal(err)
	}
	if got := e.Get("Docs/c/b/x"); string(got) != "y" {
		t.Errorf("file rename over a file: %q", got)
	}
	if vs, _ := e.Pool.Versions(ctx, "Docs/c/b/x"); len(vs) != 1 {
		t.Errorf("the replaced file was not kept: %d versions", len(vs))
	}
	if err := e.Pool.Remove(ctx, "Docs/c"); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.Pool.List(ctx, "Docs"); len(list) != 0 {
		t.Errorf("after removing everything, Docs holds %v", list)
	}
	for _, d := range e.Drives {
		if ents, _ := os.ReadDir(pooltest.OnDisk(d, "Docs")); len(ents) != 0 {
			t.Errorf("drive %s still holds %d items in Docs", d, len(ents))
		}
	}
	if vs, _ := e.Pool.Versions(ctx, "Docs/c"); len(vs) != 2 {
		t.Errorf("files deleted with their folder: %d versions kept, want 2", len(vs))
	}
}

func TestHostilePathsRefused(t *testing.T) {
	e := pooltest.New(t, 1)
	e.Share("Docs", 1)
	ctx := context.Background()
	for _, p := range []string{"../etc/passwd", "/etc/passwd", "Docs/../../x", "Docs/a\x00", `Docs\..\x`, "Docs//x", "Nope/x", "Docs"} {
		_, err := e.Pool.WriteFile(ctx, p, bytes.NewReader([]byte("x")), pool.WriteOptions{})
		if err == nil {
			t.Errorf("write to %q accepted", p)
		}
		if _, err := e.Pool.Open(ctx, p); err == nil {
			t.Errorf("open of %q accepted", p)
		}
	}
	if _, err := e.Pool.WriteFile(ctx, "../x", bytes.NewReader(nil), pool.WriteOptions{}); !errors.Is(err, safepath.ErrInvalid) {
		t.Errorf("error for ../x = %v, want ErrInvalid", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(e.Drives[0])); len(ents) != 2 {
		t.Errorf("something was written next to the drives: %v", ents)
	}
}

func TestIfGen(t *testing.T) {
	e := pooltest.New(t, 1)
	e.Share("Docs", 1)
	ctx := context.Background()
	zero := uint64(0)
	if _, err := e.Pool.WriteFile(ctx, "Docs/a", bytes.NewReader([]byte("1")), pool.WriteOptions{IfGen: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.WriteFile(ctx, "Docs/a", bytes.NewReader([]byte("2")), pool.WriteOptions{IfGen: &zero}); !errors.Is(err, pool.ErrChanged) {
		t.Errorf("create-only write over an existing file: %v", err)
	}
	fi, _ := e.Pool.Stat(ctx, "Docs/a")
	if _, err := e.Pool.WriteFile(ctx, "Docs/a", bytes.NewReader([]byte("3")), pool.WriteOptions{IfGen: &fi.Gen}); err != nil {
		t.Errorf("write at the right generation: %v", err)
	}
	if got := e.Get("Docs/a"); string(got) != "3" {
		t.Errorf("content %q", got)
	}
}

// An upload cut short leaves the old file and nothing else, small or large enough to
// be written with O_DIRECT.
func TestTruncatedUploadLeavesOldFile(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/a", []byte("precious"))
	for _, c := range []struct{ size, sent int64 }{{100, 50}, {2 * drive.DirectFrom, drive.DirectFrom + 1<<20 + 777}} {
		_, err := e.Pool.WriteFile(context.Background(), "Docs/a", io.LimitReader(bytes.NewReader(make([]byte, c.size)), c.sent), pool.WriteOptions{Size: c.size})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("upload of %d bytes of %d: %v, want ErrUnexpectedEOF", c.sent, c.size, err)
		}
		if got := e.Get("Docs/a"); string(got) != "precious" {
			t.Errorf("after an upload of %d bytes of %d the file holds %q", c.sent, c.size, got)
		}
		for _, d := range e.Drives {
			if ents, _ := os.ReadDir(filepath.Join(d, ".hearth", "tmp")); len(ents) != 0 {
				t.Errorf("temp leftovers on %s after an upload of %d bytes of %d: %d", d, c.sent, c.size, len(ents))
			}
		}
	}
}

// Discard frees the space at once: backup packs deleted by garbage collection must not
// linger as previous versions.
func TestDiscardKeepsNoVersion(t *testing.T) {
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	ctx := context.Background()
	e.Put("Docs/pack", []byte("old data"))
	if err := e.Pool.Discard(ctx, "Docs/pack"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Pool.Stat(ctx, "Docs/pack"); !errors.Is(err, pool.ErrNotFound) {
		t.Fatalf("discarded file still there: %v", err)
	}
	if vs, _ := e.Pool.Versions(ctx, "Docs/pack"); len(vs) != 0 {
		t.Errorf("%d versions kept, want none", len(vs))
	}
	for _, d := range e.Drives {
		if _, err := os.Stat(pooltest.OnDisk(d, "Docs/pack")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("copy left on %s: %v", d, err)
		}
		left, _ := filepath.Glob(filepath.Join(d, ".hearth", "versions", "Docs", "pack*"))
		if len(left) != 0 {
			t.Errorf("version files on %s: %v", d, left)
		}
	}
}
