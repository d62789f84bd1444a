// Package backupstore keeps the PCs' backups in the pool: pack files and snapshots in the
// hidden Backups share, a rebuildable SQLite index of where each blob lives, backup
// sessions, retention and garbage collection that is safe while PCs are backing up.
package backupstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/internal/privfile"
	"github.com/hearth-home/hearth/server/pool"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

// Share is the pool share that holds the backups. It is hidden from WebDAV, which shows
// the snapshots under the same name instead, and duplicated like any share.
const Share = pool.BackupsShare

// Errors a caller decides on.
var (
	ErrNoSnapshot = errors.New("no such backup")
	ErrNoSession  = errors.New("the backup session has ended; start the backup again")
	// ErrBusy: a backup of the PC is running already (see BusyError).
	ErrBusy     = errors.New("a backup of this PC is running already")
	ErrTooLarge = errors.New("the pack is larger than the server accepts")
	ErrBadPack  = errors.New("the pack is damaged or does not match its name")
)

// IncompleteError: a snapshot names blobs the server does not have (a garbage collection
// took them, or the PC never sent them). The PC sends them and commits again.
type IncompleteError struct{ Missing []backup.ID }

func (e *IncompleteError) Error() string {
	return fmt.Sprintf("the backup refers to %d pieces the server does not have", len(e.Missing))
}

// Options configure a store.
type Options struct {
	Pool *pool.Pool
	// Index is the path of the SQLite index (in the state folder).
	Index string
	Log   *slog.Logger
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
	// Grace protects unreferenced blobs younger than this from garbage collection, so an
	// interrupted backup that resumes within it does not send them again; and keeps the
	// data of a backup the retention rule let go this long. 0 means a week.
	Grace time.Duration
	// Event records something a person should be able to look up later (a backup let
	// go, and why); nil records nothing.
	Event func(ctx context.Context, pc, text string)
	// DefaultKeep is the retention rule of the PCs without one of their own, read each
	// time (an administrator changes it while the server runs); nil is
	// backup.DefaultPolicy. Location is the time zone whose days, weeks and months the
	// rules count; nil is the machine's.
	DefaultKeep func() backup.Policy
	Location    func() *time.Location
	// Changed is told, once it is done, that pc's backups changed: one was stored, let
	// go, deleted or brought back. Whoever shows a PC's last backup (the health monitor)
	// reads that PC's backups again at once rather than at its next full check. It is
	// called with no lock of the store held; nil tells nobody.
	Changed func(ctx context.Context, pc string)
}

// Store is the backup repository.
type Store struct {
	pool  *pool.Pool
	db    *sql.DB
	codec *backup.Codec
	log   *slog.Logger
	now   func() time.Time
	grace time.Duration
	event func(ctx context.Context, pc, text string)
	// changed: Options.Changed, nil when nobody is told.
	changed func(ctx context.Context, pc string)
	// defaultKeep and location: Options.DefaultKeep and Location, never nil.
	defaultKeep func() backup.Policy
	location    func() *time.Location
	// uploads bounds the packs held in memory at once.
	uploads chan struct{}
	// packBufs holds the memory of packs taken in, for the next ones while PCs are backing
	// up; dropped when the last session ends, so an idle server does not keep it. (A
	// sync.Pool was emptied by the collections between two packs.)
	packBufs chan []byte

	// mu orders answers about which blobs exist against garbage collection removing them.
	mu       sync.Mutex
	sessions map[string]*session
	// complete holds trees known to have every blob beneath them, until the next sweep.
	complete map[backup.ID]bool
	sweeps   int        // sweeps so far: a check made across one must be made again
	gc       sync.Mutex // one collection at a time
	// packMu orders taking a pack that is already on the pool into the index against
	// deleting one: a pack found there must not vanish after it was counted.
	packMu sync.Mutex
	// forgetting orders letting backups go against listing them all (which must see
	// each whole).
	forgetting sync.RWMutex
	// pcs holds the pc.json files read or written so far.
	pcMu sync.Mutex
	pcs  map[string]PC
	// claimMu orders PCs' first backups (claimPC).
	claimMu sync.Mutex
}

// Open opens the store, creating the share and the index when needed and bringing the
// index in line with the packs on the drives.
func Open(ctx context.Context, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Grace == 0 {
		opt.Grace = 7 * 24 * time.Hour
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if err := privfile.SQLite(opt.Index); err != nil { // what each PC backed up, for the server's account alone
		return nil, fmt.Errorf("open the backup index: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+opt.Index+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open the backup index: %w", err)
	}
	if opt.DefaultKeep == nil {
		opt.DefaultKeep = func() backup.Policy { return backup.DefaultPolicy }
	}
	if opt.Location == nil {
		opt.Location = func() *time.Location { return time.Local }
	}
	s := &Store{pool: opt.Pool, db: db, codec: backup.NewCodec(), log: opt.Log, now: opt.Now, grace: opt.Grace, event: opt.Event, changed: opt.Changed,
		defaultKeep: opt.DefaultKeep, location: opt.Location,
		uploads: make(chan struct{}, 4), packBufs: make(chan []byte, 2), sessions: map[string]*session{}, complete: map[backup.ID]bool{}, pcs: map[string]PC{}}
	if err := s.open(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("make the backup index: %w", err)
	}
	return s.Reconcile(ctx)
}

// ensureShare makes the Backups share when the first PC backs up (not at start, when
// the pool may not have its first drive yet).
func (s *Store) ensureShare(ctx context.Context) error {
	if _, err := s.pool.Stat(ctx, Share); err == nil || !errors.Is(err, pool.ErrNotFound) {
		return err
	}
	if _, err := s.pool.CreateShare(ctx, Share, 0, "Backups of the PCs (shown as read-only folders)"); err != nil && !errors.Is(err, pool.ErrExist) {
		return fmt.Errorf("make the Backups share: %w", err)
	}
	return nil
}

// tell says pc's backups changed (Options.Changed). The caller holds no lock of the
// store: the one told reads the backups back.
func (s *Store) tell(ctx context.Context, pc string) {
	if s.changed != nil {
		s.changed(ctx, pc)
	}
}

// Close closes the index.
func (s *Store) Close() error { return s.db.Close() }
