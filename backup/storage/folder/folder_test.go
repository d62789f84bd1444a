package folder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		f, err := New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return f
	}, storagetest.Options{})
}

// A put a crash cut off leaves a temporary file; it is never listed or read as an
// object, and the name can still be put.
func TestLeftoverTemporaryFileIgnored(t *testing.T) {
	root := t.TempDir()
	f, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "packs", "ab"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "packs", "ab", tmpPrefix+"123"), []byte("half a pack"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := storagetest.List(t, f, ""); len(got) != 0 {
		t.Errorf("listed %v", got)
	}
}

func TestNewRefusesMissingFolder(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "not-mounted")); err == nil {
		t.Error("a folder that is not there was taken")
	}
}

// Sweep removes the temporary file a crash left a day ago, and not one a put is
// writing now.
func TestSweep(t *testing.T) {
	root := t.TempDir()
	f, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "packs", "ab")
	os.MkdirAll(dir, 0o755)
	old, fresh := filepath.Join(dir, tmpPrefix+"old"), filepath.Join(dir, tmpPrefix+"fresh")
	os.WriteFile(old, []byte("half a pack"), 0o644)
	os.WriteFile(fresh, []byte("a pack being written"), 0o644)
	now := time.Now()
	os.Chtimes(old, now.Add(-48*time.Hour), now.Add(-48*time.Hour))
	if err := f.Put(context.Background(), "packs/ab/abc", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	n, err := f.Sweep(context.Background(), now.Add(-24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want 1", n, err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("the day-old temporary file is still there")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a put's temporary file being written was removed")
	}
	if got := storagetest.List(t, f, ""); len(got) != 1 {
		t.Errorf("the objects after sweeping: %v", got)
	}
}
