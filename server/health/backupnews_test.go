package health_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/health"
)

// paused is the real backup store, whose listing of a PC's backups can be held after it
// has read them: a full check that has read old news and not yet taken it.
type paused struct {
	*backupstore.Store
	armed            atomic.Bool
	reached, release chan struct{}
}

func (p *paused) Snapshots(ctx context.Context, pc string) ([]backupstore.SnapshotInfo, error) {
	snaps, err := p.Store.Snapshots(ctx, pc)
	if p.armed.CompareAndSwap(true, false) {
		close(p.reached)
		<-p.release
	}
	return snaps, err
}

func lastOf(h schema.Health, pc string) time.Time {
	for _, p := range h.PCs {
		if p.Name == pc && p.LastBackup != nil {
			return *p.LastBackup
		}
	}
	return time.Time{}
}

// TestBackupsChangedAtOnce: told that a PC's backups changed, the monitor reads that PC's
// backups and wakes the health's watchers, without a full check: its last backup and
// the "never backed up" alert follow at once. A full check that read the backups before
// the change does not put its older news back.
func TestBackupsChangedAtOnce(t *testing.T) {
	e := newEnv(t, 1)
	ctx := context.Background()
	p := &paused{Store: e.st, reached: make(chan struct{}), release: make(chan struct{})}
	e.opt.Backups = p
	m := e.monitor(t)
	if err := m.Report(ctx, "Den PC", "dad", false, report(schema.Good)); err != nil {
		t.Fatal(err)
	}
	if alert(check(t, m), "backup-never", "Den PC") == nil {
		t.Fatal("a PC that reports and never backed up raises no alert")
	}

	changed := m.Changed()
	first := e.now.Add(-time.Hour)
	backupfstest.Backup(t, e.st, "Den PC", "dad", first, "/home/dad", []backupfstest.Entry{{Path: "a.txt", Data: []byte("hello"), Mtime: first}})
	m.BackupsChanged(ctx, "Den PC")
	select {
	case <-changed:
	default:
		t.Error("the health's watchers were not woken by the PC's first backup")
	}
	h := m.Health(health.Viewer{Admin: true})
	if got := lastOf(h, "Den PC"); !got.Equal(first) {
		t.Errorf("after the first backup the last backup is %v, want %v", got, first)
	}
	if a := alert(h, "backup-never", "Den PC"); a != nil {
		t.Errorf("after the first backup: %+v", a)
	}

	// A full check reads the backups, and stops before taking what it read.
	p.armed.Store(true)
	done := make(chan error, 1)
	go func() { done <- m.Check(ctx) }()
	<-p.reached
	second := e.now.Add(-time.Minute)
	id := backupfstest.Backup(t, e.st, "Den PC", "dad", second, "/home/dad", []backupfstest.Entry{{Path: "a.txt", Data: []byte("hello again"), Mtime: second}})
	m.BackupsChanged(ctx, "Den PC")
	close(p.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := lastOf(m.Health(health.Viewer{Admin: true}), "Den PC"); !got.Equal(second) {
		t.Errorf("a full check that read the backups before the second one put back %v, want %v", got, second)
	}

	// Deleted, the newest is no longer the last backup.
	if err := e.st.Delete(ctx, "Den PC", id, "a test"); err != nil {
		t.Fatal(err)
	}
	m.BackupsChanged(ctx, "Den PC")
	if got := lastOf(m.Health(health.Viewer{Admin: true}), "Den PC"); !got.Equal(first) {
		t.Errorf("after the newest was deleted the last backup is %v, want %v", got, first)
	}
}
