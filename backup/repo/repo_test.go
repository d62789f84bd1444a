package repo

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
	"github.com/zeebo/blake3"
)

// tree makes a folder of files of the given sizes (some larger than a chunk, some
// compressible) and returns it.
func tree(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "src")
	files := map[string][]byte{
		"a.txt":           []byte(strings.Repeat("hello hearth\n", 5000)),
		"photos/big.jpg":  storagetest.Data(1, 5<<20),
		"photos/two.jpg":  storagetest.Data(2, 300_000),
		"deep/er/x.bin":   storagetest.Data(3, 1),
		"empty":           nil,
		"deep/same-as-a":  []byte(strings.Repeat("hello hearth\n", 5000)),
		"photos/copy.jpg": storagetest.Data(1, 5<<20),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hashes returns every file under dir by its path relative to dir, with its hash.
func hashes(t *testing.T, dir string) map[string][32]byte {
	out := map[string][32]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = blake3.Sum256(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func newFolder(t *testing.T) *folder.Folder {
	f, err := folder.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func backupAndRestore(t *testing.T, st storage.Storage, src string) (*Repo, backup.ID) {
	ctx := context.Background()
	r, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := archiver.Run(ctx, r, archiver.Options{PC: "test", Paths: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	id, err := r.SaveSnapshot(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	return r, id
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := tree(t)
	st := newFolder(t)
	_, id := backupAndRestore(t, st, src)
	// A fresh open reads only the index files, and restores everything.
	r, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := r.Snapshots(ctx)
	if err != nil || len(snaps) != 1 || snaps[0].ID != id {
		t.Fatalf("snapshots %v, %v", snaps, err)
	}
	out := t.TempDir()
	if _, err := restorer.Restore(ctx, r, snaps[0].Tree, strings.TrimPrefix(filepath.ToSlash(src), "/"), out, restorer.Options{}); err != nil {
		t.Fatal(err)
	}
	want, got := hashes(t, src), hashes(t, filepath.Join(out, filepath.Base(src)))
	if len(got) != len(want) {
		t.Fatalf("restored %d files, want %d", len(got), len(want))
	}
	for name, h := range want {
		if got[name] != h {
			t.Errorf("%s differs after the restore", name)
		}
	}
}

// A run cut off between a pack and its index file leaves a pack without one: the next
// open reads the pack, writes the index file, and knows its blobs.
func TestPackWithoutIndexFile(t *testing.T) {
	ctx := context.Background()
	st := newFolder(t)
	r, _ := backupAndRestore(t, st, tree(t))
	var index []string
	storagetestList(t, st, "index/", &index)
	if len(index) == 0 {
		t.Fatal("no index files")
	}
	if err := st.Delete(ctx, index[0]); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.blobs) != len(r.blobs) {
		t.Errorf("after losing an index file the repository knows %d blobs, want %d", len(r2.blobs), len(r.blobs))
	}
	var again []string
	storagetestList(t, st, "index/", &again)
	if len(again) != len(index) {
		t.Errorf("the missing index file was not written again: %d of %d", len(again), len(index))
	}
}

// A damaged index file is read around: the pack's own index is used.
func TestDamagedIndexFile(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	st, _ := folder.New(root)
	r, _ := backupAndRestore(t, st, tree(t))
	var index []string
	storagetestList(t, st, "index/", &index)
	p := filepath.Join(root, filepath.FromSlash(index[0]))
	data, _ := os.ReadFile(p)
	data[20] ^= 1
	os.WriteFile(p, data, 0o644)
	r2, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r2.blobs) != len(r.blobs) {
		t.Errorf("with a damaged index file the repository knows %d blobs, want %d", len(r2.blobs), len(r.blobs))
	}
}

// A damaged pack fails the read with ErrCorrupt; it never returns other bytes.
func TestDamagedPackRefused(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	st, _ := folder.New(root)
	r, _ := backupAndRestore(t, st, tree(t))
	var packs []string
	storagetestList(t, st, "packs/", &packs)
	for _, name := range packs {
		p := filepath.Join(root, filepath.FromSlash(name))
		data, _ := os.ReadFile(p)
		data[100] ^= 1
		os.WriteFile(p, data, 0o644)
	}
	var ids []backup.ID
	for id := range r.blobs {
		ids = append(ids, id)
	}
	err := r.Blobs(ctx, ids, func(backup.ID, []byte) error { return nil })
	if !errors.Is(err, backup.ErrCorrupt) {
		t.Errorf("reading damaged packs: %v, want ErrCorrupt", err)
	}
}

func storagetestList(t *testing.T, st storage.Storage, prefix string, out *[]string) {
	for _, o := range storagetest.List(t, st, prefix) {
		*out = append(*out, o.Name)
	}
}
