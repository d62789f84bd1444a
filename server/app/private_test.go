package app_test

import (
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
