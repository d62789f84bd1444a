package repo

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
)

// Environment of the child process TestKilledRunResumes starts.
const (
	childSrc    = "HEARTH_REPO_CHILD_SRC"
	childTarget = "HEARTH_REPO_CHILD_TARGET"
)

// stallAfterPack is a store that stops for good once the first pack is stored, before
// its index file: the moment the parent kills the process at.
type stallAfterPack struct{ storage.Storage }

func (s stallAfterPack) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	err := s.Storage.Put(ctx, name, r, size)
	if strings.HasPrefix(name, "packs/") {
		select {} // killed here
	}
	return err
}

// TestChildBackup is the child of TestKilledRunResumes: a backup that stalls after its
// first pack. Run alone it does nothing.
func TestChildBackup(t *testing.T) {
	src, target := os.Getenv(childSrc), os.Getenv(childTarget)
	if src == "" {
		return
	}
	f, err := folder.New(target)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), stallAfterPack{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	archiver.Run(context.Background(), r, archiver.Options{PC: "test", Paths: []string{src}})
	t.Fatal("the backup went on past its first pack")
}

// A backup killed with SIGKILL after storing a pack (and before its index file) leaves
// no backup behind; the next run finds the pack, indexes it, sends only the rest, and
// its backup restores byte for byte.
func TestKilledRunResumes(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	os.MkdirAll(src, 0o755)
	var total int64
	for i := range 3 {
		data := storagetest.Data(uint64(10+i), 12<<20) // random: three packs or more
		os.WriteFile(filepath.Join(src, "file"+string(rune('a'+i))), data, 0o644)
		total += int64(len(data))
	}
	target := t.TempDir()
	// An earlier backup on the target: the killed run must leave it whole.
	ctx := context.Background()
	earlier := filepath.Join(t.TempDir(), "earlier")
	os.MkdirAll(earlier, 0o755)
	os.WriteFile(filepath.Join(earlier, "kept.txt"), storagetest.Data(99, 3<<20), 0o644)
	{
		f, _ := folder.New(target)
		r, err := Open(ctx, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := archiver.Run(ctx, r, archiver.Options{PC: "test", Paths: []string{earlier}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.SaveSnapshot(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := filepath.Glob(filepath.Join(target, "packs", "*", "[0-9a-f]*"))
	beforeIndex := len(storagetest.List(t, must(folder.New(target)), "index/"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildBackup$", "-test.count=1")
	cmd.Env = append(os.Environ(), childSrc+"="+src, childTarget+"="+target)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		packs, _ := filepath.Glob(filepath.Join(target, "packs", "*", "[0-9a-f]*"))
		if len(packs) > len(before) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the child ended before storing a pack (%v):\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the child stored no pack:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill() // SIGKILL
	<-exited

	f, _ := folder.New(target)
	if got := storagetest.List(t, f, "snapshots/"); len(got) != 1 {
		t.Fatalf("after the killed run the target holds backups %v, want the earlier one alone", got)
	}
	if got := storagetest.List(t, f, "index/"); len(got) != beforeIndex {
		t.Fatalf("the child got past the first pack: %v", got)
	}
	{
		r, err := Open(ctx, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep, err := r.Check(ctx, true); err != nil || len(rep.Problems) > 0 || rep.Snapshots != 1 {
			t.Fatalf("the earlier backup after the killed run: %+v, %v", rep, err)
		}
	}
	r, err := Open(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	kept := int64(0)
	for _, w := range r.blobs {
		kept += int64(w.entry.RawLen)
	}
	kept -= 3 << 20 // the earlier backup's
	if kept == 0 {
		t.Fatal("the pack the killed run stored is not known after opening")
	}
	snap, err := archiver.Run(ctx, r, archiver.Options{PC: "test", Paths: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Added+kept > total+64<<10 || snap.Added == 0 {
		t.Errorf("the resumed run sent %d bytes, with %d of %d kept from the killed one", snap.Added, kept, total)
	}
	if _, err := r.SaveSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	restored := t.TempDir()
	if _, err := restorer.Restore(ctx, r, snap.Tree, strings.TrimPrefix(filepath.ToSlash(src), "/"), restored, restorer.Options{}); err != nil {
		t.Fatal(err)
	}
	want, got := hashes(t, src), hashes(t, filepath.Join(restored, "src"))
	if len(got) != len(want) {
		t.Fatalf("restored %d files, want %d", len(got), len(want))
	}
	for name, h := range want {
		if got[name] != h {
			t.Errorf("%s differs after the resumed backup", name)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
