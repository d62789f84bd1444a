package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An administrator removes a share over the control socket: the family no longer sees it
// on the drive, it is listed as kept, the Backups share cannot go, and a restore brings
// it back with the access it had.
func TestShareRemoveAndRestore(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state, "-drive", filepath.Join(dir, "disk"))
	defer stop()
	if out, code := hearthdWithInput(t, state, "correct horse\n", "setup", "-name", "dad"); code != 0 {
		t.Fatal(out)
	}
	if out, code := hearthdWithInput(t, state, "kids password\n", "user", "add", "kid"); code != 0 {
		t.Fatal(out)
	}
	seen := func() []string {
		t.Helper()
		s, code := sharesSeen(t, state, "kid", "kids password")
		if s == nil {
			t.Fatalf("kid could not list the shares: %d", code)
		}
		return s
	}
	if !slices.Contains(seen(), "Music") {
		t.Fatalf("kid does not see Music before: %v", seen())
	}
	if out := mustRun(t, state, "share", "remove", "Music"); !strings.Contains(out, "hearthd share restore Music") {
		t.Errorf("share remove says:\n%s", out)
	}
	if slices.Contains(seen(), "Music") {
		t.Errorf("kid still sees the removed share: %v", seen())
	}
	if out := mustRun(t, state, "share", "list"); strings.Contains(out, "Music") {
		t.Errorf("share list shows the removed share:\n%s", out)
	}
	if out := mustRun(t, state, "share", "removed"); !strings.Contains(out, "Music") {
		t.Errorf("share removed does not list it:\n%s", out)
	}
	if out, code := hearthd(t, state, "share", "remove", "Backups"); code == 0 || !strings.Contains(out, "cannot be removed") {
		t.Errorf("removing Backups: exit %d\n%s", code, out)
	}
	if out, code := hearthd(t, state, "share", "add", "Music"); code == 0 || !strings.Contains(out, "removed shared folder has that name") {
		t.Errorf("a new share named as the removed one: exit %d\n%s", code, out)
	}
	mustRun(t, state, "share", "restore", "Music")
	if !slices.Contains(seen(), "Music") {
		t.Errorf("kid does not see Music after the restore: %v", seen())
	}
	mustRun(t, state, "share", "remove", "Music")
	mustRun(t, state, "share", "purge", "Music")
	if out := mustRun(t, state, "share", "removed"); strings.Contains(out, "Music") {
		t.Errorf("the purged share is still listed:\n%s", out)
	}
	mustRun(t, state, "share", "add", "Music") // its name is free again
}
