package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupCommands: the backup commands work through the running daemon, and say so
// plainly when no PC has backed up yet.
func TestBackupCommands(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	stop := startDaemon(t, state)
	defer stop()
	if out := mustRun(t, state, "backup", "list"); !strings.Contains(out, "No PC has backed up yet") {
		t.Errorf("backup list: %q", out)
	}
	if out := mustRun(t, state, "backup", "check", "-read-data"); !strings.Contains(out, "All is well") {
		t.Errorf("backup check: %q", out)
	}
	if out := mustRun(t, state, "backup", "gc"); !strings.Contains(out, "removed 0 unused pieces") {
		t.Errorf("backup gc: %q", out)
	}
	if _, code := hearthd(t, state, "backup", "keep"); code != 2 {
		t.Errorf("backup keep without a PC: exit %d, want 2 (usage)", code)
	}
	if out, code := hearthd(t, state, "backup", "keep", "nobody-pc", "-daily", "5"); code != 1 || !strings.Contains(out, "has not backed up here") {
		t.Errorf("backup keep of an unknown PC: exit %d, %q", code, out)
	}
}
