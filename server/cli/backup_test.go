package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
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

// TestBackupDeletedAndUndelete: a backup let go by a lowered rule, or deleted by hand, is
// listed by "backup deleted" and brought back (and pinned) by "backup undelete".
func TestBackupDeletedAndUndelete(t *testing.T) {
	s := apptest.Start(t)
	when := time.Now().Add(-2 * time.Hour)
	var ids []backup.ID
	for i := range 2 {
		at := when.Add(time.Duration(i) * time.Hour)
		ids = append(ids, backupfstest.Backup(t, s.App.Backups, "ann-pc", "ann", at, "/home/ann", []backupfstest.Entry{
			{Path: "diary.txt", Data: []byte("entry " + at.String()), Mtime: at},
		}))
	}
	if out := mustRun(t, s.State, "backup", "deleted"); !strings.Contains(out, "nothing to bring back") {
		t.Errorf("backup deleted with none: %q", out)
	}
	mustRun(t, s.State, "backup", "keep", "ann-pc", "-last", "0", "-daily", "0", "-weekly", "0", "-monthly", "0")
	mustRun(t, s.State, "backup", "gc")
	out := mustRun(t, s.State, "backup", "deleted")
	if !strings.Contains(out, "ann-pc (ann)  "+ids[0].Short()) || strings.Contains(out, ids[1].Short()) {
		t.Fatalf("backup deleted after the rule let the older backup go:\n%s", out)
	}
	if out := mustRun(t, s.State, "backup", "undelete", "ann-pc", ids[0].String()[:10]); !strings.Contains(out, "is back, and pinned") {
		t.Errorf("backup undelete: %q", out)
	}
	if out := mustRun(t, s.State, "backup", "list"); !strings.Contains(out, ids[0].Short()) || !strings.Contains(out, "pinned") {
		t.Errorf("backup list after undelete:\n%s", out)
	}
	if out := mustRun(t, s.State, "backup", "delete", "ann-pc", ids[1].String()); !strings.Contains(out, "hearthd backup undelete") {
		t.Errorf("backup delete: %q", out)
	}
	if out := mustRun(t, s.State, "backup", "deleted"); !strings.Contains(out, ids[1].Short()) {
		t.Errorf("backup deleted after a delete:\n%s", out)
	}
	if out, code := hearthd(t, s.State, "backup", "undelete", "ann-pc", "ffff"); code != 1 || !strings.Contains(out, "no such backup") {
		t.Errorf("undelete of no backup: exit %d, %q", code, out)
	}
}
