package backupfs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupfs"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// store opens a real backup store on a real one-drive pool.
func store(t *testing.T) *backupstore.Store {
	env := pooltest.New(t, 1)
	st, err := backupstore.Open(context.Background(), backupstore.Options{Pool: env.Pool, Index: filepath.Join(t.TempDir(), "backups.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func random(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var (
	ann   = auth.Principal{Name: "ann"}
	bob   = auth.Principal{Name: "bob"}
	admin = auth.Principal{Name: "dad", Admin: true}
)

func names(t *testing.T, v *backupfs.FS, dir string) []string {
	t.Helper()
	f, err := v.OpenFile(context.Background(), dir, os.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", dir, err)
	}
	defer f.Close()
	list, err := f.Readdir(0)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	var out []string
	for _, fi := range list {
		out = append(out, fi.Name())
	}
	return out
}

func TestView(t *testing.T) {
	st := store(t)
	ctx := context.Background()
	when := time.Date(2024, 5, 1, 21, 30, 0, 0, time.Local)
	mtime := time.Date(2023, 1, 2, 3, 4, 5, 6, time.UTC)
	big := random(1, 300<<10)
	backupfstest.Backup(t, st, "Ann-Laptop", "Ann", when, "/home/ann", []backupfstest.Entry{
		{Path: "letter.txt", Data: []byte("Dear Grandma"), Mtime: mtime},
		{Path: "photos/beach.jpg", Data: big, Chunk: 64 << 10, Mtime: mtime},
		{Path: "link", Link: "/etc/passwd"},
		{Path: "bad\\name", Data: []byte("x")},
		{Path: "empty", Dir: true},
	})
	backupfstest.Backup(t, st, "Ann-Laptop", "Ann", when.Add(24*time.Hour), "/home/ann", []backupfstest.Entry{{Path: "letter.txt", Data: []byte("Dear Grandpa")}})
	backupfstest.Backup(t, st, "Bob-PC", "bob", when, "/home/bob", []backupfstest.Entry{{Path: "secret.txt", Data: []byte("bob's")}})

	v := backupfs.New(twice{st}, ann)
	if got := names(t, v, "/"); !slices.Equal(got, []string{"Ann-Laptop"}) {
		t.Errorf("ann sees PCs %q, want only her own (the owner's name matches in any case)", got)
	}
	folder := backup.FolderName(when)
	later := backup.FolderName(when.Add(24 * time.Hour))
	want := []string{folder, folder + " (2)", later, later + " (2)"}
	if got := names(t, v, "/Ann-Laptop"); !slices.Equal(got, want) {
		t.Errorf("backups %q, want %q", got, want)
	}
	snap := "/Ann-Laptop/" + folder + "/home/ann"
	if got := names(t, v, snap); !slices.Equal(got, []string{"empty", "letter.txt", "photos"}) {
		t.Errorf("backed-up folder lists %q: want links and unreachable names left out", got)
	}
	fi, err := v.Stat(ctx, snap+"/letter.txt")
	if err != nil || fi.IsDir() || fi.Size() != 12 || !fi.ModTime().Equal(mtime) {
		t.Errorf("stat letter.txt: %v, %v", fi, err)
	}
	if fi, err := v.Stat(ctx, snap+"/photos/"); err != nil || !fi.IsDir() || fi.Mode()&fs.ModeDir == 0 {
		t.Errorf("stat photos: %v, %v", fi, err)
	}
	if got := read(t, v, "/Ann-Laptop/"+later+"/home/ann/letter.txt"); string(got) != "Dear Grandpa" {
		t.Errorf("the later backup holds %q", got)
	}

	// Another user sees nothing of Ann's; an administrator sees every PC.
	for _, name := range []string{"/Ann-Laptop", snap + "/letter.txt", "/Bob-PC/../Ann-Laptop"} {
		if _, err := backupfs.New(st, bob).Stat(ctx, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("bob stats %s: %v, want not found", name, err)
		}
	}
	if got := names(t, backupfs.New(st, admin), "/"); !slices.Equal(got, []string{"Ann-Laptop", "Bob-PC"}) {
		t.Errorf("an administrator sees %q", got)
	}

	// Nothing can be changed.
	for name, err := range map[string]error{
		"create": func() error { _, err := v.OpenFile(ctx, snap+"/new.txt", os.O_CREATE|os.O_WRONLY, 0o644); return err }(),
		"write":  func() error { _, err := v.OpenFile(ctx, snap+"/letter.txt", os.O_RDWR, 0); return err }(),
		"trunc":  func() error { _, err := v.OpenFile(ctx, snap+"/letter.txt", os.O_TRUNC, 0); return err }(),
		"mkdir":  v.Mkdir(ctx, snap+"/new", 0o755),
		"remove": v.RemoveAll(ctx, snap+"/letter.txt"),
		"rename": v.Rename(ctx, snap+"/letter.txt", snap+"/other.txt"),
	} {
		if !errors.Is(err, os.ErrPermission) {
			t.Errorf("%s: %v, want a permission error", name, err)
		}
	}
}

// twice shows each backup twice, the second 300 ms after the first, as if two had been
// taken in the same second (retention keeps one a day, so the store cannot hold both).
type twice struct{ *backupstore.Store }

func (s twice) Snapshots(ctx context.Context, pc string) ([]backupstore.SnapshotInfo, error) {
	list, err := s.Store.Snapshots(ctx, pc)
	var out []backupstore.SnapshotInfo
	for _, sn := range list {
		again := sn
		again.Time = sn.Time.Add(300 * time.Millisecond)
		out = append(out, sn, again)
	}
	return out, err
}

func read(t *testing.T, v *backupfs.FS, name string) []byte {
	t.Helper()
	f, err := v.OpenFile(context.Background(), name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return b
}

// TestReadSeek reads a file of many uneven chunks whole, in small steps, from random
// offsets with Seek and with ReadAt, and checks every byte.
func TestReadSeek(t *testing.T) {
	st := store(t)
	when := time.Date(2024, 6, 1, 8, 0, 0, 0, time.Local)
	data := random(2, 1<<20+12345)
	backupfstest.Backup(t, st, "PC", "ann", when, "/d", []backupfstest.Entry{
		{Path: "f", Data: data, Chunk: 100_003},
		{Path: "zero", Data: nil},
	})
	v := backupfs.New(st, ann)
	name := "/PC/" + backup.FolderName(when) + "/d/f"
	if got := read(t, v, name); !bytes.Equal(got, data) {
		t.Fatal("a file read whole is not what was backed up")
	}
	if got := read(t, v, "/PC/"+backup.FolderName(when)+"/d/zero"); len(got) != 0 {
		t.Errorf("an empty file reads %d bytes", len(got))
	}
	f, err := v.OpenFile(context.Background(), name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ra := f.(io.ReaderAt)
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		off := r.Int64N(int64(len(data)) + 10)
		n := r.IntN(300_000)
		if pos, err := f.Seek(off, io.SeekStart); err != nil || pos != off {
			t.Fatalf("seek %d: %d, %v", off, pos, err)
		}
		got := make([]byte, n)
		m, err := io.ReadFull(f, got)
		end := min(off+int64(n), int64(len(data)))
		if off >= int64(len(data)) {
			end = off
		}
		if int64(m) != end-off || !bytes.Equal(got[:m], data[off:end]) {
			t.Fatalf("read %d at %d: got %d bytes (%v), want %d", n, off, m, err, end-off)
		}
		m, err = ra.ReadAt(got, off)
		if int64(m) != end-off || !bytes.Equal(got[:m], data[off:end]) || (m < n) != (err == io.EOF) {
			t.Fatalf("ReadAt %d at %d: got %d bytes, %v", n, off, m, err)
		}
	}
	if end, err := f.Seek(-10, io.SeekEnd); err != nil || end != int64(len(data))-10 {
		t.Errorf("seek from the end: %d, %v", end, err)
	}
	if _, err := f.Seek(-1, io.SeekStart); err == nil {
		t.Error("a seek before the start was allowed")
	}
	// Small reads straight through.
	f.Seek(0, io.SeekStart)
	var got bytes.Buffer
	buf := make([]byte, 4097)
	for {
		n, err := f.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Error("small reads straight through differ")
	}
}

// Walking a whole backup (as a folder's zip does) holds a bounded number of folder
// listings, not every folder of the PC, and still reads every file right.
func TestAWalkHoldsLittle(t *testing.T) {
	st := store(t)
	when := time.Date(2024, 5, 1, 21, 30, 0, 0, time.Local)
	var entries []backupfstest.Entry
	for i := range 2 * backupfs.MaxRemembered {
		// Each folder different: folders alike are one tree, remembered once.
		entries = append(entries, backupfstest.Entry{Path: fmt.Sprintf("d%04d/f.txt", i), Data: fmt.Appendf(nil, "file %d", i)})
	}
	backupfstest.Backup(t, st, "Ann-Laptop", "Ann", when, "/home/ann", entries)
	v := backupfs.New(st, ann)
	top := "/Ann-Laptop/" + backup.FolderName(when) + "/home/ann"
	for _, d := range names(t, v, top) {
		for _, f := range names(t, v, top+"/"+d) {
			var i int
			fmt.Sscanf(d, "d%d", &i)
			want := fmt.Sprintf("file %d", i)
			if got := read(t, v, top+"/"+d+"/"+f); string(got) != want {
				t.Fatalf("%s/%s holds %q, want %q", d, f, got, want)
			}
		}
	}
	if n := v.Remembered(); n > backupfs.MaxRemembered {
		t.Errorf("after the walk the view holds %d folder listings, want at most %d", n, backupfs.MaxRemembered)
	}
}
