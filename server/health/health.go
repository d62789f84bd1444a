// Package health watches the server and every PC in the house and says, in plain words,
// what needs attention: drives missing or failing (their own SMART verdict included),
// space running out, files at risk, checks and backups overdue, and what each PC's agent
// reports of itself. Problems are declared in problems.go; an alert is raised when its
// condition holds and clears itself when it goes away.
package health

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// Pool is what the monitor reads of the storage pool.
type Pool interface {
	Status(ctx context.Context) (pool.Status, error)
	DriveStates() map[string]pool.State
}

// Backups is what the monitor reads of the backup store. PC answers
// backupstore.ErrNoSnapshot for a PC that has not backed up here.
type Backups interface {
	PCs(ctx context.Context) ([]backupstore.PC, error)
	PC(ctx context.Context, pc string) (backupstore.PC, error)
	Snapshots(ctx context.Context, pc string) ([]backupstore.SnapshotInfo, error)
}

// ServerBackups is what the monitor asks of the server backups: which scheduled ones
// have had no good backup for too long (serverbackup.Jobs).
type ServerBackups interface {
	Overdue(ctx context.Context, now time.Time) ([]serverbackup.Overdue, error)
}

// Options wire a Monitor.
type Options struct {
	Catalog *catalog.Catalog // where alerts' start times, PC reports and events are kept
	Pool    Pool
	Backups Backups
	// ServerBackups, when set, names the server backups (issue 23) that are overdue.
	ServerBackups ServerBackups
	// SMART reads a disk's own verdict; DeviceOf finds the disk behind a drive's folder.
	// Either nil turns SMART off.
	SMART    smart.Reader
	DeviceOf func(path string) (string, error)
	// Every is how often the server checks itself in full (it reads the whole index);
	// a drive changing state is noticed within seconds in between. SMARTEvery is how
	// often each disk is asked (asleep disks are not woken).
	Every, SMARTEvery time.Duration
	// BackupOverdue is how old a PC's last backup may get; ScrubEvery is the pool's.
	BackupOverdue, ScrubEvery time.Duration
	Log                       *slog.Logger
	Now                       func() time.Time
	// Media says how the media server for the TVs is (nil: no word of it).
	Media func() schema.Media
}

// Monitor keeps the current alerts and what they are drawn from.
type Monitor struct {
	opt Options

	applyMu  sync.Mutex // one apply at a time, so events are recorded in order
	reportMu sync.Mutex // one report at a time, so a PC's owner is decided once
	mu       sync.Mutex
	alerts   map[string]alert // by key, what is true now
	// since and titles are when each alert began and its title, also for those held
	// before a restart.
	since    map[string]time.Time
	titles   map[string]string
	ready    bool    // the server has been checked since the start
	server   []alert // the server's own conditions, from the last check
	status   pool.Status
	drives   []schema.DriveInfo
	disks    map[string]diskRead // by drive ID
	pcs      map[string]pcState  // by lower-case name
	checked  time.Time
	states   map[string]pool.State    // the drives' states at the last check
	services map[string]*serviceState // parts of the server that stopped, by name
	changed  chan struct{}            // closed and replaced when anything a viewer sees changes
	// reads counts the reads of the backups begun (a full check's, or one PC's);
	// readAt is, by lower-case PC name, the read whose findings the PC holds. A read
	// that began earlier than the one a PC holds found older news and is not taken.
	reads  uint64
	readAt map[string]uint64
}

// New returns a monitor; it loads the PCs' last reports and the alerts' start times.
func New(ctx context.Context, opt Options) (*Monitor, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Every <= 0 {
		opt.Every = 5 * time.Minute
	}
	m := &Monitor{opt: opt, alerts: map[string]alert{}, since: map[string]time.Time{}, titles: map[string]string{},
		disks: map[string]diskRead{}, pcs: map[string]pcState{}, services: map[string]*serviceState{}, changed: make(chan struct{}),
		readAt: map[string]uint64{}}
	if err := m.load(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// watchEvery is how often the drives' states are compared with the last check's: a
// drive that goes missing or fails should turn the tray red in seconds, not minutes.
const watchEvery = 2 * time.Second

// Run checks the server every opt.Every, and at once when a drive changes state, until
// ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	full := time.NewTicker(m.opt.Every)
	defer full.Stop()
	watch := time.NewTicker(min(m.opt.Every, watchEvery))
	defer watch.Stop()
	for {
		if err := m.Check(ctx); err != nil && ctx.Err() == nil {
			m.opt.Log.Warn("the health check failed", "err", err)
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-full.C:
				break wait
			case <-watch.C:
				m.mu.Lock()
				last := m.states
				m.mu.Unlock()
				if !maps.Equal(last, m.opt.Pool.DriveStates()) {
					break wait
				}
			}
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
