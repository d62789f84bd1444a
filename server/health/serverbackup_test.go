package health_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/serverbackup"
)

// A scheduled server backup whose drive is unplugged raises an alert once a daily time
// has gone by six hours without a backup, saying when the last good one was and what
// the last try said; it clears when a run succeeds. A backup run only when asked never
// raises one.
func TestServerBackupOverdue(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 1)
	if _, err := e.Pool.CreateShare(ctx, "Photos", 0, ""); err != nil {
		t.Fatal(err)
	}
	jobs := serverbackup.OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), e.Pool, nil, nil)
	e.opt.ServerBackups = jobs
	m := e.monitor(t)
	target := filepath.Join(t.TempDir(), "usb")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, j := range []serverbackup.Job{
		{Name: "USB disk", Target: serverbackup.Target{Folder: target}, Shares: []string{"Photos"}, Daily: "03:00"},
		{Name: "By hand", Target: serverbackup.Target{Folder: target}, Shares: []string{"Photos"}},
	} {
		if _, err := jobs.Add(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := jobs.Run(ctx, "USB disk"); err != nil {
		t.Fatal(err)
	}
	e.now = time.Now().Add(time.Hour)
	if a := alert(check(t, m), "server-backup-overdue", "USB disk"); a != nil {
		t.Fatalf("just backed up, yet: %+v", a)
	}
	// The drive is unplugged, and stays away for three days.
	if err := os.Rename(target, target+".away"); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Run(ctx, "USB disk"); err == nil {
		t.Fatal("a run with the drive unplugged succeeded")
	}
	e.now = time.Now().Add(73 * time.Hour)
	h := check(t, m)
	a := alert(h, "server-backup-overdue", "USB disk")
	if a == nil || !strings.Contains(a.Sentence, "3 days ago") || !strings.Contains(a.Sentence, "plugged in") {
		t.Fatalf("three days without the drive: %+v", h.Alerts)
	}
	if a := alert(h, "server-backup-never", "By hand"); a != nil {
		t.Errorf("a backup run only when asked is overdue: %+v", a)
	}
	// Back, and a run: the alert clears.
	if err := os.Rename(target+".away", target); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Run(ctx, "USB disk"); err != nil {
		t.Fatal(err)
	}
	e.now = time.Now().Add(time.Hour)
	if a := alert(check(t, m), "server-backup-overdue", "USB disk"); a != nil {
		t.Errorf("after a good run: %+v", a)
	}
}
