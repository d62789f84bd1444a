package app_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/paths"
)

// The state folder holds the password hashes (catalog.db) and the keys (tls/): whatever
// the umask and whatever modes an older version left, the folder is the server's account's
// alone after a start, and stays so for the files made while it runs (backups.db, the
// certificates, the catalog's -wal and -shm).
func TestStateFolderIsPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	s := apptest.Start(t, func(o *app.Options) {
		// An older version's state: an open folder and a readable catalog with its WAL.
		mustNot(t, os.Chmod(o.StateDir, 0o755))
		mustNot(t, os.WriteFile(paths.Catalog(o.StateDir), nil, 0o644))
		mustNot(t, os.WriteFile(paths.Catalog(o.StateDir)+"-wal", nil, 0o644))
		mustNot(t, os.MkdirAll(paths.TLS(o.StateDir), 0o755))
		mustNot(t, os.Chmod(paths.TLS(o.StateDir), 0o755))
		mustNot(t, os.WriteFile(paths.Config(o.StateDir), []byte("{}"), 0o644))
	})
	s.AddUser("dad", "correct horse", true)
	if resp, _ := s.Do("dad", "correct horse", "PUT", "/dav/Public/a.txt", apptest.Body("hello")); resp.StatusCode/100 != 2 {
		t.Fatalf("PUT: %s", resp.Status)
	}
	check := func(when string) {
		t.Helper()
		drives := paths.Drives(s.State)
		err := filepath.WalkDir(s.State, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			want := fs.FileMode(0o600)
			if d.IsDir() {
				want = 0o700
			}
			if info.Mode().Perm() != want && (path == drives || !inside(drives, path)) {
				t.Errorf("%s: %s is %v, want %v", when, path, info.Mode().Perm(), want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{paths.Catalog(s.State), paths.BackupIndex(s.State), filepath.Join(paths.TLS(s.State), "ca.crt")} {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: %v", when, err)
			}
		}
		// The drive's copy of the users (with their hashes) is the server's alone too.
		if fi, err := os.Stat(filepath.Join(paths.FirstDrive(s.State), ".hearth", "pool.json")); err != nil {
			t.Errorf("%s: %v", when, err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: the drive's pool.json is %v, want -rw-------", when, fi.Mode())
		}
	}
	check("while running")
	s.Restart()
	check("after a restart")
}

func inside(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && !filepath.IsAbs(rel) && rel[:min(2, len(rel))] != ".."
}

func mustNot(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestStateFolderLeavesDrivesAlone: a drive kept in the state folder outside drives/ (one
// given with -drive there) keeps its own modes at every start: its files stay readable
// as plain files, as the drive made them, while the rest of the state folder is made
// private.
func TestStateFolderLeavesDrivesAlone(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	s := apptest.Start(t)
	disk := filepath.Join(s.State, "disk2")
	mustNot(t, os.MkdirAll(disk, 0o755))
	mustNot(t, os.Chmod(disk, 0o755))
	if _, err := s.Admin().AddDrive(context.Background(), disk, "disk2"); err != nil {
		t.Fatal(err)
	}
	s.AddUser("dad", "correct horse", true)
	for _, name := range []string{"a.txt", "b.txt", "c.txt"} {
		if resp, _ := s.Do("dad", "correct horse", "PUT", "/dav/Public/"+name, apptest.Body("hello")); resp.StatusCode/100 != 2 {
			t.Fatalf("PUT: %s", resp.Status)
		}
	}
	// A file of the drive's own, readable by all as a plain file on a drive is.
	mustNot(t, os.WriteFile(filepath.Join(disk, "README.txt"), []byte("hearth drive"), 0o644))
	mustNot(t, os.Chmod(filepath.Join(disk, "README.txt"), 0o644))
	modes := func() map[string]fs.FileMode {
		out := map[string]fs.FileMode{}
		err := filepath.WalkDir(disk, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if info, err := d.Info(); err == nil && (d.IsDir() || d.Type().IsRegular()) {
				out[path] = info.Mode().Perm()
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := modes()
	s.Restart()
	after := modes()
	for path, mode := range before {
		if after[path] != mode {
			t.Errorf("%s was %v before the start, %v after", path, mode, after[path])
		}
	}
	if before[filepath.Join(disk, "README.txt")] != 0o644 || before[filepath.Join(disk, "Shares")] != 0o755 {
		t.Errorf("the drive's modes before the start: %v; the test proves nothing", before)
	}
	// The rest of the state folder is still made private.
	if fi, err := os.Stat(paths.Catalog(s.State)); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("catalog.db: %v; want -rw-------", fi.Mode())
	}
}
