// Package health watches the server and every PC in the house and says, in plain words,
// what needs attention: drives missing or failing (their own SMART verdict included),
// space running out, files at risk, checks and backups overdue, and what each PC's agent
// reports of itself. Problems are declared in problems.go; an alert is raised when its
// condition holds and clears itself when it goes away.
package health

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/pool"
)

// Pool is what the monitor reads of the storage pool.
type Pool interface {
	Status(ctx context.Context) (pool.Status, error)
}

// Backups is what the monitor reads of the backup store.
type Backups interface {
	PC(ctx context.Context, name string) (backupstore.PC, error)
	PCs(ctx context.Context) ([]backupstore.PC, error)
	Snapshots(ctx context.Context, pc string) ([]backupstore.SnapshotInfo, error)
}

// Options wire a Monitor.
type Options struct {
	Catalog *catalog.Catalog // where alerts' start times, PC reports and events are kept
	Pool    Pool
	Backups Backups
	// SMART reads a disk's own verdict; DeviceOf finds the disk behind a drive's folder.
	// Either nil turns SMART off.
	SMART    smart.Reader
	DeviceOf func(path string) (string, error)
	// Every is how often the server checks itself; SMARTEvery how often each disk is
	// asked (asleep disks are not woken).
	Every, SMARTEvery time.Duration
	// BackupOverdue is how old a PC's last backup may get; ScrubEvery is the pool's.
	BackupOverdue, ScrubEvery time.Duration
	Log                       *slog.Logger
	Now                       func() time.Time
}

// Monitor keeps the current alerts and what they are drawn from.
type Monitor struct {
	opt Options

	applyMu sync.Mutex // one apply at a time, so events are recorded in order
	mu      sync.Mutex
	alerts  map[string]schema.Alert // by key, what is true now
	since   map[string]time.Time    // when each alert (or one persisted before a restart) began
	server  []schema.Alert          // the server's own conditions, from the last check
	status  pool.Status
	drives  []schema.DriveInfo
	disks   map[string]diskRead // by drive ID
	pcs     map[string]pcState  // by lower-case name
	checked time.Time
	changed chan struct{} // closed and replaced when anything a viewer sees changes
}

// New returns a monitor; it loads the PCs' last reports and the alerts' start times.
func New(ctx context.Context, opt Options) (*Monitor, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &Monitor{opt: opt, alerts: map[string]schema.Alert{}, disks: map[string]diskRead{},
		pcs: map[string]pcState{}, changed: make(chan struct{})}
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// Run checks the server every opt.Every until ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	t := time.NewTicker(m.opt.Every)
	defer t.Stop()
	for {
		if err := m.Check(ctx); err != nil && ctx.Err() == nil {
			m.opt.Log.Warn("the health check failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Changed returns a channel that is closed at the next change of what Health shows.
func (m *Monitor) Changed() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.changed
}

// notify wakes everyone waiting on Changed; m.mu is held.
func (m *Monitor) notify() {
	close(m.changed)
	m.changed = make(chan struct{})
}
