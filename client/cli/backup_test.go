package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestBackupCommands goes through backing up, listing and restoring as a person types
// it, with one folder left out by a pattern.
func TestBackupCommands(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	t.Setenv("HEARTH_CONNECTOR_CONFIG", filepath.Join(t.TempDir(), "connector.json"))
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Mum's laptop", s.URL); code != 0 {
		t.Fatalf("join: %s", out)
	}
	if out, _ := hearth(t, "", "snapshots"); !strings.Contains(out, "no backups yet") {
		t.Errorf("snapshots before any backup: %q", out)
	}
	home := filepath.Join(t.TempDir(), "mum")
	for name, content := range map[string]string{"letter.txt": "Dear Grandma", "photos/cat.jpg": "meow", ".cache/junk": "junk"} {
		p := filepath.Join(home, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	out, code := hearth(t, "", "backup", "-json", "-include", home, "-exclude", ".cache", "-save")
	if code != 0 {
		t.Fatalf("backup: %s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last struct {
		Done     bool
		Snapshot struct {
			ID    string
			Files int64
		}
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || !last.Done || last.Snapshot.Files != 2 {
		t.Fatalf("last line of backup -json: %q (%v); want done with 2 files (.cache left out)", lines[len(lines)-1], err)
	}
	// The settings were saved: a plain backup uses them. A backup never lets another go
	// (the nightly cleanup applies the retention rule): both are there.
	out, code = hearth(t, "", "backup")
	if code != 0 || !strings.Contains(out, "Backed up 2 files") {
		t.Fatalf("second backup: %d %s", code, out)
	}
	_, id, _ := strings.Cut(out, "Backup ")
	id = id[:8]
	if out, _ := hearth(t, "", "snapshots"); strings.Count(out, "\n") != 2 || !strings.Contains(out, id) || !strings.Contains(out, home) {
		t.Errorf("snapshots:\n%s", out)
	}
	if out, code := hearth(t, "", "pin", id); code != 0 || !strings.Contains(out, "is kept until you unpin it") {
		t.Fatalf("pin: %d %s", code, out)
	}
	if out, _ := hearth(t, "", "snapshots"); !strings.Contains(out, id) || strings.Count(out, "pinned") != 1 {
		t.Errorf("snapshots after pin:\n%s", out)
	}
	// Letting it go takes mum's password, not the PC's token (issue 17).
	if out, code := hearth(t, "wrong password\n", "unpin", id); code == 0 || !strings.Contains(out, "wrong password for mum") {
		t.Fatalf("unpin with a wrong password: %d %s", code, out)
	}
	if out, code := hearth(t, "correct horse\n", "unpin", id); code != 0 || !strings.Contains(out, "no longer pinned") {
		t.Fatalf("unpin: %d %s", code, out)
	}
	if out, _ := hearth(t, "", "snapshots"); strings.Contains(out, "pinned") {
		t.Errorf("snapshots after unpin:\n%s", out)
	}
	to := t.TempDir()
	if out, code := hearth(t, "", "restore", id, filepath.Join(home, "photos"), "-to", to); code != 0 || !strings.Contains(out, "Restored 1 file (4 B)") {
		t.Fatalf("restore: %d %s", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(to, "photos", "cat.jpg")); err != nil || string(b) != "meow" {
		t.Errorf("restored cat.jpg: %q %v", b, err)
	}
	if out, code := hearth(t, "", "restore", "latest"); code != 1 || !strings.Contains(out, "say where to restore to") || strings.Contains(out, "usage") {
		t.Errorf("restore without -to: %d %s", code, out)
	}
	// The same again would replace cat.jpg: refused, with how many and which, until
	// -overwrite says so.
	os.WriteFile(filepath.Join(to, "photos", "cat.jpg"), []byte("changed since"), 0o644)
	if out, code := hearth(t, "", "restore", id, filepath.Join(home, "photos"), "-to", to); code != 1 ||
		!strings.Contains(out, "nothing was restored: 1 file or folder already there would be replaced") || !strings.Contains(out, "-overwrite") {
		t.Errorf("restore over a file: %d %s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(to, "photos", "cat.jpg")); string(b) != "changed since" {
		t.Errorf("a refused restore changed cat.jpg: %q", b)
	}
	if out, code := hearth(t, "", "restore", "-overwrite", id, filepath.Join(home, "photos"), "-to", to); code != 0 {
		t.Errorf("restore -overwrite: %d %s", code, out)
	}
	if b, _ := os.ReadFile(filepath.Join(to, "photos", "cat.jpg")); string(b) != "meow" {
		t.Errorf("after -overwrite, cat.jpg: %q", b)
	}
	if out, code := hearth(t, "", "restore", "-to", to, "nonesuch"); code != 1 || !strings.Contains(out, "that backup is not on the server") {
		t.Errorf("restore of an unknown backup: %d %s", code, out)
	}
}
