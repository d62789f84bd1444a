package privfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestTreeLeavesFolders: Tree makes the folder private but leaves a folder it is told to
// leave (a drive, a mount point) exactly as it is, the folder itself included.
func TestTreeLeavesFolders(t *testing.T) {
	dir := t.TempDir()
	kept := filepath.Join(dir, "deep", "drive")
	for _, p := range []string{kept, filepath.Join(kept, "Shares")} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, 0o755)
	}
	for _, p := range []string{filepath.Join(dir, "catalog.db"), filepath.Join(kept, "Shares", "photo.jpg")} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, 0o644)
	}
	os.Chmod(filepath.Join(dir, "deep"), 0o755)
	if err := Tree(dir, func(p string) bool { return p == kept }); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{
		dir: DirMode, filepath.Join(dir, "deep"): DirMode, filepath.Join(dir, "catalog.db"): FileMode,
		kept: 0o755, filepath.Join(kept, "Shares"): 0o755, filepath.Join(kept, "Shares", "photo.jpg"): 0o644,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Error(err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s: %v; want %v", p, fi.Mode().Perm(), want)
		}
	}
}
