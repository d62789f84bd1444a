package folder

import (
	"os"
	"path/filepath"
	"testing"

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
