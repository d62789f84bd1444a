// Package pool is Hearth's Drive Extender: it joins any number of drives into one
// namespace of shares, keeps one or two copies of every file on distinct drives, and
// repairs, scrubs and evacuates in the background. The drives hold the truth as plain
// files; the catalog is an index that can always be rebuilt from them.
package pool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"golang.org/x/sync/singleflight"
)

// Errors callers decide on. They are wrapped with the path or drive they concern.
var (
	ErrPoolFull     = errors.New("pool is full")
	ErrNoDrives     = errors.New("the pool has no working drive")
	ErrNotFound     = errors.New("no such file or folder")
	ErrExist        = errors.New("already exists")
	ErrIsDir        = errors.New("is a folder")
	ErrNotDir       = errors.New("is not a folder")
	ErrNoShare      = errors.New("no such share")
	ErrShareRoot    = errors.New("a share itself cannot be changed this way")
	ErrDriveUnknown = errors.New("no such drive in the pool")
	ErrRefused      = errors.New("refused")
	ErrChanged      = errors.New("the file changed")
	// ErrShareRemoved: a removed share (kept to be restored) has that name.
	ErrShareRemoved = errors.New("a removed shared folder has that name; restore it, or delete it for good first")
)

// Options configure a pool. Zero values take the defaults shown.
type Options struct {
	Catalog *catalog.Catalog
	Logger  *slog.Logger
	// DriveHints are folders that may hold drives of this pool (the -drive flag, the
	// state folder's list, the drives "pool rebuild" names). With an empty catalog the
	// pool they hold is rebuilt: pointing at a drive is what adopts it.
	DriveHints []string
	// MountScan also looks at every mount point of the system: for drives of this pool
	// that moved, and to list other pools, which are never adopted. Off,
	// the pool is blind to the system's mounts, as every test pool must be.
	MountScan bool
	// OpenDrive opens a drive; tests wrap the real one to inject faults.
	OpenDrive func(ctx context.Context, path string) (drive.Drive, error)
	// Reserve is the free space left untouched on every drive. Default 1 GiB, or 2% of
	// a drive smaller than 50 GiB.
	Reserve int64
	// CheckEvery is how often drives are checked; a drive fails a check after
	// DriveTimeout without an answer. Defaults 2 s and 10 s.
	CheckEvery   time.Duration
	DriveTimeout time.Duration
	// ScrubEvery schedules scrubs (default 30 days); RepairEvery is the safety-net pass
	// of the repairer between events (default 10 minutes).
	ScrubEvery  time.Duration
	RepairEvery time.Duration
	// VersionsKeep and VersionsMax prune previous versions: older than VersionsKeep
	// (default 30 days), or beyond the VersionsMax newest of a file (default 20).
	VersionsKeep time.Duration
	VersionsMax  int
	// RemovedSharesKeep is how long a removed share is kept, to be restored, before the
	// background work purges it (default 30 days).
	RemovedSharesKeep time.Duration
	// BackgroundRate caps background copying in bytes per second (default 200 MB/s);
	// background work also pauses while the family reads or writes. A scrub, which only
	// reads, pauses too but is not capped: it reads every drive at its own speed.
	BackgroundRate int64
	// TrustReads returns what the drives hold without checking it. Only benchmarks set
	// it, to measure what checking every read costs.
	TrustReads bool
}

func (o *Options) applyDefaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OpenDrive == nil {
		o.OpenDrive = func(ctx context.Context, path string) (drive.Drive, error) { return drive.Open(ctx, path) }
	}
	if o.Reserve == 0 {
		o.Reserve = -1 // computed per drive
	}
	setDur(&o.CheckEvery, 2*time.Second)
	setDur(&o.DriveTimeout, 10*time.Second)
	setDur(&o.ScrubEvery, 30*24*time.Hour)
	setDur(&o.RepairEvery, 10*time.Minute)
	setDur(&o.VersionsKeep, 30*24*time.Hour)
	setDur(&o.RemovedSharesKeep, 30*24*time.Hour)
	if o.VersionsMax == 0 {
		o.VersionsMax = 20
	}
	if o.BackgroundRate == 0 {
		o.BackgroundRate = 200 << 20
	}
}

func setDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// Pool is an open storage pool. Its methods are safe for concurrent use.
type Pool struct {
	opt Options
	log *slog.Logger
	cat *catalog.Catalog
	id  string

	mu      sync.RWMutex // guards members
	members map[string]*member
	others  []OtherPool // other pools' drives seen at the mount points, at open

	// ns orders changes to the tree: a folder rename or delete takes it exclusively,
	// file commits share it. paths serialises changes to one path.
	ns      sync.RWMutex
	paths   pathLocks
	changes changeLog
	// committed counts the changes to the tree and the shares once recorded (Changes).
	committed atomic.Uint64

	gen genCounter

	commits groupCommit // the catalog rows of files written together, one transaction

	repairMu sync.Mutex         // one repair pass at a time
	scrubMu  sync.Mutex         // one scrub at a time
	bad      badCopies          // copies found bad, not healed yet
	checked  checkedCopies      // small files' copies checked a moment ago (checked.go)
	learning singleflight.Group // learns of block checksums, one per copy at a time

	adopt adoption // files placed on the drives by hand, adopted while the pool serves

	kick     chan struct{} // wakes the repairer
	throttle *throttle
	chunks   sync.Pool // *[]byte of chunkSize, the write path's buffers
	closed   atomic.Bool
}

// ID is the pool's identity, as written in every drive's marker.
func (p *Pool) ID() string { return p.id }

// Open opens the pool recorded in the catalog, or rebuilds it from its drives when the
// catalog is empty, or starts a new, empty pool when no drive of any pool is found.
func Open(ctx context.Context, opt Options) (*Pool, error) {
	opt.applyDefaults()
	p := &Pool{
		opt:      opt,
		log:      opt.Logger,
		cat:      opt.Catalog,
		members:  map[string]*member{},
		kick:     make(chan struct{}, 1),
		throttle: newThrottle(opt.BackgroundRate),
	}
	p.paths.init(p.wake)
	// Aligned, so a full chunk can go to a drive with O_DIRECT.
	p.chunks.New = func() any { b := drive.AlignedBuffer(chunkSize)[:0]; return &b }
	if err := p.open(ctx); err != nil {
		p.closeDrives()
		return nil, err
	}
	return p, nil
}

// Close records a clean shutdown and releases the drives. Background work must have
// stopped (the context given to Run is done).
func (p *Pool) Close(ctx context.Context) error {
	if p.closed.Swap(true) {
		return nil
	}
	clean := "1"
	if left, unfinished := p.adoptionLeft(); unfinished {
		// The next start reconciles, and so adopts what is left.
		p.log.Warn("files placed on the drives by hand are not all adopted yet; they will be at the next start", "waiting", left)
		clean = "0"
	}
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetMeta(ctx, metaClean, clean) })
	if cerr := p.cat.Checkpoint(ctx); err == nil {
		err = cerr
	}
	p.closeDrives()
	return err
}

func (p *Pool) closeDrives() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.members {
		if m.d != nil {
			m.d.Close()
		}
	}
}

// Catalog meta keys.
const (
	metaPoolID    = "pool_id"
	metaClean     = "clean_shutdown"
	metaReserved  = "gen_reserved"
	metaSeq       = "config_seq"
	metaScrub     = "last_scrub"
	metaScrubFrom = "scrub_scheduled_from"
	metaForgotten = "forgotten_drive:" // + drive id; the value is its label
)

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// genCounter hands out generations. Only numbers below reserved are handed out, and
// reserved is durable (catalog and every drive's mirror) before any is used, so after any
// crash, even with the catalog lost, new generations are higher than every one on disk.
type genCounter struct {
	mu       sync.Mutex
	next     uint64
	reserved uint64
}

const genBlock = 4096

// nextGen returns a fresh generation, reserving a new block durably when needed.
func (p *Pool) nextGen(ctx context.Context) (uint64, error) {
	p.gen.mu.Lock()
	defer p.gen.mu.Unlock()
	if p.gen.next >= p.gen.reserved {
		if err := p.reserveGens(ctx, p.gen.next+genBlock); err != nil {
			return 0, err
		}
	}
	g := p.gen.next
	p.gen.next++
	return g, nil
}

// reserveGens makes upTo the durable bound; the caller holds p.gen.mu. The bound is
// used only once a drive holds it: after losing the catalog, the drives alone must know
// every generation that may be on them.
func (p *Pool) reserveGens(ctx context.Context, upTo uint64) error {
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetMetaUint(ctx, metaReserved, upTo) })
	if err != nil {
		return err
	}
	prev := p.gen.reserved
	p.gen.reserved = upTo
	if err := p.writeMirrorsLocked(ctx); err != nil {
		p.gen.reserved = prev
		return fmt.Errorf("reserve generations: %w", err)
	}
	return nil
}

// raiseGen makes sure generations handed out from now on are above seen, the highest
// found on the drives (a rebuild may find more than the mirrors promised).
func (p *Pool) raiseGen(ctx context.Context, seen uint64) error {
	p.gen.mu.Lock()
	defer p.gen.mu.Unlock()
	if seen < p.gen.next {
		return nil
	}
	p.gen.next = seen + 1
	if p.gen.next < p.gen.reserved {
		return nil
	}
	return p.reserveGens(ctx, p.gen.next+genBlock)
}

// wake asks the repairer for a pass.
func (p *Pool) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *Pool) now() time.Time { return time.Now() }

func wrapPath(path string, err error) error {
	return fmt.Errorf("%s: %w", path, err)
}
