package drivetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/zeebo/blake3"
)

// New makes a fresh, empty drive on a real folder for one test.
type New func(t *testing.T) drive.Drive

// Run checks that a Drive keeps the contract the pool relies on. The drive's Info().Path
// must be its root folder on the real filesystem: some cases plant links and remove
// markers there, as a person or a failing disk would.
func Run(t *testing.T, newDrive New) {
	cases := []struct {
		name string
		fn   func(*testing.T, drive.Drive)
	}{
		{"WriteCommitRead", testWriteCommitRead},
		{"NothingVisibleBeforeCommit", testNothingVisibleBeforeCommit},
		{"OverwriteKeepsVersion", testOverwriteKeepsVersion},
		{"AbortAfterPartialWrite", testAbortAfterPartialWrite},
		{"CreateNeedsParent", testCreateNeedsParent},
		{"Mkdir", testMkdir},
		{"RenameFile", testRenameFile},
		{"RenameFolder", testRenameFolder},
		{"RetireAndVersions", testRetireAndVersions},
		{"Remove", testRemove},
		{"Walk", testWalk},
		{"WalkCancel", testWalkCancel},
		{"SymlinksRefused", testSymlinksRefused},
		{"HostilePaths", testHostilePaths},
		{"Journal", testJournal},
		{"CleanTemp", testCleanTemp},
		{"CheckMissingMarker", testCheckMissingMarker},
		{"Usage", testUsage},
		{"Adopt", testAdopt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newDrive(t)) })
	}
}

var t0 = time.Date(2024, 7, 14, 10, 30, 0, 123456000, time.UTC)

// Put writes a file copy through the whole write path and returns its metadata.
func Put(t *testing.T, d drive.Drive, path string, data []byte, gen uint64, keepOld bool) drive.Meta {
	t.Helper()
	ctx := context.Background()
	p, err := d.Create(ctx, path, int64(len(data)))
	if err != nil {
		t.Fatalf("Create(%q): %v", path, err)
	}
	if _, err := p.Write(data); err != nil {
		t.Fatalf("Write(%q): %v", path, err)
	}
	m := drive.Meta{Gen: gen, Hash: blake3.Sum256(data)}
	if err := p.Finish(ctx, t0, m); err != nil {
		t.Fatalf("Finish(%q): %v", path, err)
	}
	if err := p.Commit(ctx, keepOld); err != nil {
		t.Fatalf("Commit(%q): %v", path, err)
	}
	return m
}

// Mkdir makes a folder or fails the test.
func Mkdir(t *testing.T, d drive.Drive, path string, gen uint64) {
	t.Helper()
	if err := d.Mkdir(context.Background(), path, t0, gen); err != nil {
		t.Fatalf("Mkdir(%q): %v", path, err)
	}
}

// ReadAll reads a copy or fails the test.
func ReadAll(t *testing.T, d drive.Drive, path string) []byte {
	t.Helper()
	f, err := d.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatalf("read %q: %v", path, err)
	}
	return b
}

func testWriteCommitRead(t *testing.T, d drive.Drive) {
	Mkdir(t, d, "Docs", 1)
	data := bytes.Repeat([]byte("hearth "), 100000)
	m := Put(t, d, "Docs/a.txt", data, 7, false)
	if got := ReadAll(t, d, "Docs/a.txt"); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want %d", len(got), len(data))
	}
	e, err := d.Stat(context.Background(), "Docs/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != drive.File || e.Size != int64(len(data)) || !e.ModTime.Equal(t0) || !e.HasMeta || e.Meta != m {
		t.Errorf("Stat = %+v, want file of %d bytes, mtime %v, meta %v", e, len(data), t0, m)
	}
	// The copy is a plain file at the expected place, readable by anyone with the disk.
	raw, err := os.ReadFile(filepath.Join(d.Info().Path, "Shares", "Docs", "a.txt"))
	if err != nil || !bytes.Equal(raw, data) {
		t.Errorf("plain file on disk: %v, equal=%v", err, bytes.Equal(raw, data))
	}
}

func testNothingVisibleBeforeCommit(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Put(t, d, "Docs/a.txt", []byte("old"), 2, false)
	p, err := d.Create(ctx, "Docs/a.txt", 3)
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("new"))
	if err := p.Finish(ctx, t0, drive.Meta{Gen: 3}); err != nil {
		t.Fatal(err)
	}
	if got := ReadAll(t, d, "Docs/a.txt"); string(got) != "old" {
		t.Errorf("before commit the path shows %q, want the old file", got)
	}
	if err := p.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := ReadAll(t, d, "Docs/a.txt"); string(got) != "old" {
		t.Errorf("after abort the path shows %q, want the old file", got)
	}
	assertTempEmpty(t, d)
}

func testOverwriteKeepsVersion(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Put(t, d, "Docs/a.txt", []byte("first"), 2, true)
	Put(t, d, "Docs/a.txt", []byte("second"), 5, true)
	if got := ReadAll(t, d, "Docs/a.txt"); string(got) != "second" {
		t.Fatalf("path shows %q", got)
	}
	v, err := d.OpenVersion(ctx, "Docs/a.txt", 2)
	if err != nil {
		t.Fatalf("OpenVersion: %v", err)
	}
	defer v.Close()
	if b, _ := io.ReadAll(v); string(b) != "first" {
		t.Errorf("version holds %q, want %q", b, "first")
	}
	Put(t, d, "Docs/a.txt", []byte("third"), 9, false)
	if _, err := d.OpenVersion(ctx, "Docs/a.txt", 5); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("overwrite without keepOld kept a version: %v", err)
	}
}

func testAbortAfterPartialWrite(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Put(t, d, "Docs/a.txt", []byte("precious"), 2, false)
	f := NewFaulty(d)
	f.Fail(OpWrite, 1, 1, errEIO)
	p, err := f.Create(ctx, "Docs/a.txt", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(make([]byte, 4096)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(make([]byte, 4096)); !errors.Is(err, errEIO) {
		t.Fatalf("second write: %v, want EIO", err)
	}
	if err := p.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := ReadAll(t, d, "Docs/a.txt"); string(got) != "precious" {
		t.Errorf("after a failed write the file holds %q", got)
	}
	assertTempEmpty(t, d)
}

var errEIO = &os.PathError{Op: "write", Path: "test", Err: errors.New("input/output error")}

func testCreateNeedsParent(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	p, err := d.Create(ctx, "Nope/a.txt", 1)
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("x"))
	if err := p.Finish(ctx, t0, drive.Meta{Gen: 1}); err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(ctx, true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Commit into a missing folder: %v, want ErrNotExist", err)
	}
	// The copy is still pending: once the folder exists, the same commit succeeds.
	Mkdir(t, d, "Nope", 1)
	if err := p.Commit(ctx, true); err != nil {
		t.Fatalf("Commit after making the folder: %v", err)
	}
	if got := ReadAll(t, d, "Nope/a.txt"); string(got) != "x" {
		t.Errorf("retried commit wrote %q", got)
	}
	assertTempEmpty(t, d)
}

func testMkdir(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 4)
	Mkdir(t, d, "Docs", 9) // exists: left as it is
	e, err := d.Stat(ctx, "Docs")
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != drive.Dir || e.Meta.Gen != 4 || !e.ModTime.Equal(t0) {
		t.Errorf("Stat = %+v, want folder gen 4 mtime %v", e, t0)
	}
	if err := d.Mkdir(ctx, "Missing/sub", t0, 1); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Mkdir without parent: %v", err)
	}
	Put(t, d, "Docs/f", []byte("x"), 5, false)
	if err := d.Mkdir(ctx, "Docs/f", t0, 6); err == nil {
		t.Error("Mkdir over a file succeeded")
	}
	later := t0.Add(time.Hour)
	if err := d.SetTimes(ctx, "Docs", later); err != nil {
		t.Fatal(err)
	}
	if e, _ := d.Stat(ctx, "Docs"); !e.ModTime.Equal(later) {
		t.Errorf("SetTimes: mtime %v, want %v", e.ModTime, later)
	}
}

func testRenameFile(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	m := Put(t, d, "Docs/a", []byte("A"), 2, false)
	Put(t, d, "Docs/b", []byte("B"), 3, false)
	if err := d.Rename(ctx, "Docs/a", "Docs/b", 10); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(ctx, "Docs/a"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("source still there: %v", err)
	}
	e, _ := d.Stat(ctx, "Docs/b")
	if e.Meta.Gen != 10 || e.Meta.Hash != m.Hash {
		t.Errorf("moved file meta = %+v, want gen 10 and the hash kept", e.Meta)
	}
	if string(ReadAll(t, d, "Docs/b")) != "A" {
		t.Error("moved content wrong")
	}
	v, err := d.OpenVersion(ctx, "Docs/b", 3)
	if err != nil {
		t.Fatalf("the replaced file was not kept: %v", err)
	}
	v.Close()
}

func testRenameFolder(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Mkdir(t, d, "Docs/old", 2)
	Put(t, d, "Docs/old/x", []byte("x"), 3, false)
	if err := d.Rename(ctx, "Docs/old", "Docs/new", 4); err != nil {
		t.Fatal(err)
	}
	if e, _ := d.Stat(ctx, "Docs/new"); e.Kind != drive.Dir || e.Meta.Gen != 4 {
		t.Errorf("moved folder = %+v", e)
	}
	if string(ReadAll(t, d, "Docs/new/x")) != "x" {
		t.Error("content lost in move")
	}
}

func testRetireAndVersions(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Mkdir(t, d, "Docs/sub", 1)
	Put(t, d, "Docs/sub/a~v3", []byte("tricky name"), 2, false)
	if err := d.Retire(ctx, "Docs/sub/a~v3"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(ctx, "Docs/sub/a~v3"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("retired file still visible: %v", err)
	}
	var got []drive.Entry
	if err := d.WalkVersions(ctx, func(e drive.Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path != "Docs/sub/a~v3" || got[0].Version != 2 || got[0].Size != 11 {
		t.Fatalf("versions = %+v", got)
	}
	var buf bytes.Buffer
	buf.WriteString("copied version")
	if err := d.PutVersion(ctx, "Docs/other", 8, t0, drive.Meta{Gen: 8}, &buf); err != nil {
		t.Fatal(err)
	}
	v, err := d.OpenVersion(ctx, "Docs/other", 8)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(v)
	v.Close()
	if string(b) != "copied version" {
		t.Errorf("PutVersion stored %q", b)
	}
	if err := d.RemoveVersion(ctx, "Docs/other", 8); err != nil {
		t.Fatal(err)
	}
	if _, err := d.OpenVersion(ctx, "Docs/other", 8); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed version still there: %v", err)
	}
}

func testRemove(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Mkdir(t, d, "Docs/sub", 1)
	Put(t, d, "Docs/sub/f", []byte("x"), 2, false)
	if err := d.Remove(ctx, "Docs/sub"); !errors.Is(err, drive.ErrNotEmpty) {
		t.Errorf("Remove of a full folder: %v, want ErrNotEmpty", err)
	}
	if err := d.Remove(ctx, "Docs/sub/f"); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(ctx, "Docs/sub"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(ctx, "Docs/sub"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed folder still there: %v", err)
	}
}

func testWalk(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Mkdir(t, d, "Docs/a", 2)
	Mkdir(t, d, "Docs/skip", 2)
	Put(t, d, "Docs/a/1", []byte("1"), 3, false)
	Put(t, d, "Docs/skip/2", []byte("2"), 3, false)
	Mkdir(t, d, "Music", 1)
	var seen []string
	pos := map[string]int{}
	err := d.Walk(ctx, "", func(e drive.Entry) error {
		pos[e.Path] = len(seen)
		seen = append(seen, e.Path)
		if e.Path == "Docs/skip" {
			return drive.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(seen)
	want := []string{"Docs", "Docs/a", "Docs/a/1", "Docs/skip", "Music"}
	if len(seen) != len(want) {
		t.Fatalf("walk saw %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("walk saw %v, want %v", seen, want)
		}
	}
	if pos["Docs"] > pos["Docs/a"] || pos["Docs/a"] > pos["Docs/a/1"] {
		t.Error("a folder was reported after its contents")
	}
	var sub []string
	d.Walk(ctx, "Docs/a", func(e drive.Entry) error { sub = append(sub, e.Path); return nil })
	if len(sub) != 2 || sub[0] != "Docs/a" {
		t.Errorf("Walk(Docs/a) = %v", sub)
	}
	stop := errors.New("stop")
	if err := d.Walk(ctx, "", func(drive.Entry) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}

func testWalkCancel(t *testing.T, d drive.Drive) {
	Mkdir(t, d, "Docs", 1)
	for i := range 5 {
		Mkdir(t, d, "Docs/"+string(rune('a'+i)), 2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := d.Walk(ctx, "", func(drive.Entry) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Walk after cancel: %v (after %d entries), want context.Canceled", err, n)
	}
}

func testSymlinksRefused(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	root := d.Info().Path
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	// A person (or an attacker with the disk) planted links inside a share.
	must(t, os.Symlink(outside, filepath.Join(root, "Shares", "Docs", "escape")))
	// A relative link that stays on the drive, into the pool's own records.
	must(t, os.Symlink("../../.hearth", filepath.Join(root, "Shares", "Docs", "inner")))
	must(t, os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "Shares", "Docs", "file")))
	for _, p := range []string{"Docs/escape/secret", "Docs/inner/drive.json", "Docs/file"} {
		if f, err := d.Open(ctx, p); !errors.Is(err, drive.ErrUnsafe) {
			if f != nil {
				f.Close()
			}
			t.Errorf("Open(%q) = %v, want ErrUnsafe", p, err)
		}
	}
	p, err := d.Create(ctx, "Docs/escape/new", 1)
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("x"))
	p.Finish(ctx, t0, drive.Meta{})
	if err := p.Commit(ctx, true); !errors.Is(err, drive.ErrUnsafe) {
		t.Errorf("Commit through a link: %v, want ErrUnsafe", err)
	}
	p.Abort()
	if _, err := os.Stat(filepath.Join(outside, "new")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a write escaped the drive through a symbolic link")
	}
	if err := d.Mkdir(ctx, "Docs/escape/dir", t0, 1); !errors.Is(err, drive.ErrUnsafe) {
		t.Errorf("Mkdir through a link: %v", err)
	}
	if err := d.Rename(ctx, "Docs/file", "Docs/moved", 3); !errors.Is(err, drive.ErrUnsafe) {
		t.Errorf("Rename of a link: %v", err)
	}
	e, err := d.Stat(ctx, "Docs/escape")
	if err != nil || e.Kind != drive.Other {
		t.Errorf("Stat of a link = %+v, %v; want Kind Other", e, err)
	}
	var walked []string
	d.Walk(ctx, "", func(e drive.Entry) error {
		if e.Kind == drive.Other {
			walked = append(walked, e.Path)
		}
		return nil
	})
	if len(walked) != 3 {
		t.Errorf("walk reported links %v, want all 3 as Other and none followed", walked)
	}
}

func testHostilePaths(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	for _, p := range []string{"../x", "/etc/passwd", "Docs/../../x", "Docs/a\x00b", "", `Docs\..\x`} {
		if _, err := d.Create(ctx, p, 0); err == nil {
			t.Errorf("Create(%q) accepted", p)
		}
		if _, err := d.Open(ctx, p); err == nil {
			t.Errorf("Open(%q) accepted", p)
		}
		if err := d.Mkdir(ctx, p, t0, 1); err == nil {
			t.Errorf("Mkdir(%q) accepted", p)
		}
	}
}

func testJournal(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	if _, err := d.ReadConfig(ctx); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadConfig on a new drive: %v", err)
	}
	must(t, d.WriteConfig(ctx, []byte(`{"a":1}`)))
	must(t, d.WriteConfig(ctx, []byte(`{"a":2}`)))
	if b, err := d.ReadConfig(ctx); err != nil || string(b) != `{"a":2}` {
		t.Errorf("ReadConfig = %q, %v", b, err)
	}
	ts := []drive.Tombstone{{Gen: 5, At: t0, Path: "Docs/a"}, {Gen: 6, At: t0, Path: "Docs/b c", To: "Docs/d", FromGen: 2}}
	must(t, d.AppendTombstones(ctx, ts[:1]))
	must(t, d.AppendTombstones(ctx, ts[1:]))
	got, err := d.ReadTombstones(ctx)
	if err != nil || len(got) != 2 || got[1].Path != "Docs/b c" || got[1].To != "Docs/d" || got[1].FromGen != 2 || got[0].Gen != 5 || !got[0].At.Equal(t0) {
		t.Errorf("ReadTombstones = %+v, %v", got, err)
	}
	must(t, d.ClearTombstones(ctx))
	if got, _ := d.ReadTombstones(ctx); len(got) != 0 {
		t.Errorf("after clear: %+v", got)
	}
}

func testCleanTemp(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	p, err := d.Create(ctx, "Docs/a", 10)
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("interrupted"))
	// The process "dies" here: no Abort. A restart cleans up.
	must(t, d.CleanTemp(ctx))
	assertTempEmpty(t, d)
}

func testCheckMissingMarker(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	must(t, d.Check(ctx))
	root := d.Info().Path
	must(t, os.Rename(filepath.Join(root, ".hearth", "drive.json"), filepath.Join(root, "marker.bak")))
	if err := d.Check(ctx); !errors.Is(err, drive.ErrMissing) {
		t.Errorf("Check without marker: %v, want ErrMissing", err)
	}
	must(t, os.Rename(filepath.Join(root, "marker.bak"), filepath.Join(root, ".hearth", "drive.json")))
	must(t, d.Check(ctx))
	// The disk is "unmounted": the folder goes, then an empty mount point is left behind.
	must(t, os.Rename(root, root+".away"))
	if err := d.Check(ctx); !errors.Is(err, drive.ErrMissing) {
		t.Errorf("Check with the folder gone: %v, want ErrMissing", err)
	}
	must(t, os.Mkdir(root, 0o755))
	if err := d.Check(ctx); !errors.Is(err, drive.ErrMissing) {
		t.Errorf("Check of an empty mount point: %v, want ErrMissing", err)
	}
	// "Mounted again": the same disk returns at the same place.
	must(t, os.Remove(root))
	must(t, os.Rename(root+".away", root))
	must(t, d.Check(ctx))
	Mkdir(t, d, "Back", 1)
	if _, err := os.Stat(filepath.Join(root, "Shares", "Back")); err != nil {
		t.Errorf("after remount, writes do not reach the disk: %v", err)
	}
}

func testUsage(t *testing.T, d drive.Drive) {
	u, err := d.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if u.Total == 0 || u.Free > u.Total {
		t.Errorf("Usage = %+v", u)
	}
}

func assertTempEmpty(t *testing.T, d drive.Drive) {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(d.Info().Path, ".hearth", "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("temp area holds %d leftovers", len(ents))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testAdopt: a staged file becomes a pending copy without a copy of its bytes, visible
// only at Commit, keeping the file there before as a version; an abort leaves the staged
// file alone. A staged file with another link, a link, and a name out of the staging
// area are refused.
func testAdopt(t *testing.T, d drive.Drive) {
	ctx := context.Background()
	Mkdir(t, d, "Docs", 1)
	Put(t, d, "Docs/a", []byte("old"), 2, false)
	area := filepath.Join(d.Info().Path, ".hearth", "staging", "up")
	must(t, os.MkdirAll(area, 0o700))
	staged := filepath.Join(area, "x.part")
	must(t, os.WriteFile(staged, []byte("staged data"), 0o600))
	p, r, err := d.Adopt(ctx, "Docs/a", "up/x.part")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); string(got) != "staged data" {
		t.Errorf("the adopted content reads %q", got)
	}
	r.Close()
	if _, err := p.Write([]byte("more")); err == nil {
		t.Error("an adopted copy took a write")
	}
	must(t, p.Finish(ctx, t0, drive.Meta{Gen: 3}))
	if got := ReadAll(t, d, "Docs/a"); string(got) != "old" {
		t.Errorf("before commit the path shows %q", got)
	}
	must(t, p.Abort())
	assertTempEmpty(t, d)
	if got, err := os.ReadFile(staged); err != nil || string(got) != "staged data" {
		t.Fatalf("after an abort the staged file is %q (%v)", got, err)
	}
	p, r, err = d.Adopt(ctx, "Docs/a", "up/x.part")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	must(t, p.Finish(ctx, t0, drive.Meta{Gen: 4}))
	must(t, p.Commit(ctx, true))
	if got := ReadAll(t, d, "Docs/a"); string(got) != "staged data" {
		t.Errorf("after commit the path shows %q", got)
	}
	if st, err := d.Stat(ctx, "Docs/a"); err != nil || st.Meta.Gen != 4 || !st.ModTime.Equal(t0) {
		t.Errorf("the adopted copy: %+v (%v), want generation 4 at %v", st, err, t0)
	}
	var versions int
	d.WalkVersions(ctx, func(e drive.Entry) error { versions++; return nil })
	if versions != 1 {
		t.Errorf("%d versions kept, want the old file", versions)
	}
	assertTempEmpty(t, d)
	// x.part is now a second name of Docs/a: adopting it again would tie them.
	if _, _, err := d.Adopt(ctx, "Docs/b", "up/x.part"); !errors.Is(err, drive.ErrShared) {
		t.Errorf("adopting a file with another link: %v, want ErrShared", err)
	}
	must(t, os.Symlink(staged, filepath.Join(area, "link")))
	for _, bad := range []string{"up/link", "../tmp/x", "up/../../drive.json", "/etc/passwd", "up/none"} {
		if _, _, err := d.Adopt(ctx, "Docs/c", bad); err == nil {
			t.Errorf("adopting %q succeeded", bad)
		}
	}
	assertTempEmpty(t, d)
}
