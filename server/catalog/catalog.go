// Package catalog is Hearth's embedded SQLite catalog: the index of the pool (drives,
// shares, files and their copies, tombstones, versions) and, later, users, devices and
// events. It is an index, not the truth: everything in it about the pool can be rebuilt
// from the drives.
package catalog

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hearth-home/hearth/internal/privfile"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver keeps hearthd CGO-free
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Catalog is an open catalog database. It is safe for concurrent use.
type Catalog struct {
	db    *sql.DB
	drive driveNums
	entry *sql.Stmt  // the lookup of one path, prepared once: it is on every file open
	hot   hot        // the statements of every file written (hot.go)
	cache entryCache // entries read lately (entrycache.go)
	// bulk numbers the entries a bulk load puts for search (bulknames.go); nil otherwise.
	bulk atomic.Pointer[bulkNumbers]
	// rarePages: below how many pages of the FTS index a trigram's list is rare to a
	// search (searchplan.go); tests change it, 0 never narrows.
	rarePages int
}

// Open opens (creating when needed) the catalog at path and brings its schema up to date.
//
// The page cache is 8 MiB per connection (SQLite's default is 2 MiB): a pass over a large
// index reads each page once whatever the cache, and the operating system keeps the file
// cached for all connections anyway, while each connection's own cache is resident memory
// of hearthd, which many boxes have 1–2 GiB of. A connection unused for a while closes,
// giving its cache back (see idleConnFor).
//
// Commits use synchronous=NORMAL: in WAL mode a commit survives a killed process, and after
// a power cut the last commits may be lost, which the pool repairs by reconciling with its
// drives (the truth) whenever it was not shut down cleanly.
func Open(ctx context.Context, path string) (*Catalog, error) {
	// It holds the password hashes: readable by the server's account alone.
	if err := privfile.SQLite(path); err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)", "cache_size(-8192)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	db.SetMaxIdleConns(maxIdleConns)
	db.SetConnMaxIdleTime(idleConnFor)
	c := &Catalog{db: db, rarePages: rarePages}
	if err := c.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	// A bulk load cut off by a crash leaves the index dropped; put it back.
	if _, err := db.ExecContext(ctx, createParentIndex); err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	// It leaves the search index without its triggers too: build that again.
	if ok, err := c.nameIndexComplete(ctx); err != nil || !ok {
		if err == nil {
			err = c.reindexNames(ctx)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open catalog %s: %w", path, err)
		}
	}
	// And the counters without theirs: count again.
	if ok, err := c.countsComplete(ctx); err != nil || !ok {
		if err == nil {
			err = c.recount(ctx)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open catalog %s: %w", path, err)
		}
	}
	if c.entry, err = db.PrepareContext(ctx, "SELECT "+entryCols+" FROM entries WHERE path = ?"); err != nil {
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	if err := c.prepareHot(ctx); err != nil {
		c.entry.Close()
		db.Close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	return c, nil
}

// Connections kept open between uses, each with the page cache it filled: two are
// enough for an idle server's occasional request, and they close after idleConnFor
// unused, so a burst of requests or a pass over the index leaves no cache behind.
const (
	maxIdleConns = 2
	idleConnFor  = 10 * time.Second
)

// Close closes the database.
func (c *Catalog) Close() error {
	c.entry.Close()
	c.closeHot()
	return c.db.Close()
}

// Tx is a view of the catalog inside a transaction, or outside one for reads.
type Tx struct {
	c  *Catalog
	tx *sql.Tx // nil outside a transaction
	// drivesChanged: the drives table changed, so the number cache is forgotten again
	// after the commit.
	drivesChanged bool
	q             interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
}

// View runs read-only queries without a transaction.
func (c *Catalog) View(ctx context.Context, fn func(*Tx) error) error {
	return fn(&Tx{c: c, q: viewQ{c}})
}

// Update runs fn in one transaction: everything fn did is committed together, or, if fn
// returns an error, nothing is.
func (c *Catalog) Update(ctx context.Context, fn func(*Tx) error) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin catalog transaction: %w", err)
	}
	t := &Tx{c: c, tx: tx, q: tx}
	if err := fn(t); err != nil {
		tx.Rollback()
		c.drive.forget() // the transaction may have numbered a drive that now does not exist
		return err
	}
	err = tx.Commit()
	c.cache.changed() // after the commit: a read from before it is not kept
	if t.drivesChanged {
		// A reader on another connection may have cached the numbers from before.
		c.drive.forget()
	}
	if err != nil {
		return fmt.Errorf("commit catalog transaction: %w", err)
	}
	return nil
}

func (c *Catalog) migrate(ctx context.Context) error {
	var version int
	if err := c.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("the catalog was written by a newer Hearth (schema %d, this one knows %d); update hearthd", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		err := c.Update(ctx, func(tx *Tx) error {
			if _, err := tx.q.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("schema step %d: %w", i+1, err)
			}
			_, err := tx.q.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Checkpoint moves the write-ahead log into the database file, so a clean shutdown leaves
// one self-contained file.
func (c *Catalog) Checkpoint(ctx context.Context) error {
	_, err := c.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

const createParentIndex = "CREATE INDEX IF NOT EXISTS entries_parent ON entries(parent)"

// BulkLoad runs fn, which fills an empty index, without the folder index and the search
// index, and builds those once at the end: sorting once is much quicker than a million
// inserts. The entries PutEntries puts meanwhile are numbered for search as they come
// (bulknames.go); the names are indexed at the end from what entries hold then, so a
// change made meanwhile is in it too.
func (c *Catalog) BulkLoad(ctx context.Context, fn func() error) error {
	nums, err := c.newBulkNumbers(ctx)
	if err != nil {
		return err
	}
	if _, err := c.db.ExecContext(ctx, dropNameTriggers+dropCountTriggers+"DROP INDEX IF EXISTS entries_parent; DROP INDEX IF EXISTS entries_sid;"); err != nil {
		return err
	}
	c.bulk.Store(nums)
	err = fn()
	c.bulk.Store(nil)
	defer c.cache.changed()
	// The indexes, the names and the counters in one transaction on one connection: its
	// page cache is raised once, and the schema it changes is parsed once.
	ictx := context.WithoutCancel(ctx)
	ierr := c.Update(ictx, func(tx *Tx) error {
		return tx.withBulkCache(ictx, func() error {
			if _, err := tx.q.ExecContext(ictx, createParentIndex); err != nil {
				return fmt.Errorf("index the folders: %w", err)
			}
			if err := tx.finishNames(ictx, nums); err != nil {
				return err
			}
			return tx.recount(ictx)
		})
	})
	return cmp.Or(err, ierr)
}

// stmt returns a prepared statement usable in this Tx.
func (tx *Tx) stmt(ctx context.Context, s *sql.Stmt) *sql.Stmt {
	if tx.tx != nil {
		return tx.tx.StmtContext(ctx, s)
	}
	return s
}
