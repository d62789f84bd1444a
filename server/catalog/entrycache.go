package catalog

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"sync/atomic"
)

// entryCache keeps entries read outside a transaction, so that opening a file read a
// moment ago costs a map lookup instead of a query (a third of the time of a warm read
// of a small file went to the query). It can never answer with a row older than the
// latest write: every write to the catalog advances epoch once it is committed (Update,
// and any statement run outside a transaction), and an entry counts only while epoch is
// still the one read before the query that fetched it. So a write anywhere empties it;
// that is fine, it serves runs of reads.
type entryCache struct {
	epoch atomic.Uint64
	mu    sync.Mutex
	m     map[string]cachedEntry
}

type cachedEntry struct {
	e     Entry
	epoch uint64
}

// entryCacheMax bounds the cache (a few hundred bytes an entry); when full it starts over.
const entryCacheMax = 4096

// changed is called after every write is committed.
func (c *entryCache) changed() { c.epoch.Add(1) }

func (c *entryCache) get(path string) (Entry, bool) {
	c.mu.Lock()
	ce, ok := c.m[path]
	c.mu.Unlock()
	if !ok || ce.epoch != c.epoch.Load() {
		return Entry{}, false
	}
	// The caller owns what it gets: the slices are its own.
	e := ce.e
	e.Hash = slices.Clone(e.Hash)
	e.Copies = slices.Clone(e.Copies)
	return e, true
}

// put keeps e, read by a query that started at epoch.
func (c *entryCache) put(e Entry, epoch uint64) {
	if epoch != c.epoch.Load() {
		return
	}
	e.Hash = slices.Clone(e.Hash)
	e.Copies = slices.Clone(e.Copies)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= entryCacheMax {
		c.m = make(map[string]cachedEntry)
	}
	c.m[e.Path] = cachedEntry{e, epoch}
	c.mu.Unlock()
}

// viewQ runs the statements of a View: a write among them (outside a transaction) is
// committed on its own, and the entry cache learns of it.
type viewQ struct{ c *Catalog }

func (q viewQ) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer q.c.cache.changed()
	return q.c.db.ExecContext(ctx, query, args...)
}

func (q viewQ) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.c.db.QueryContext(ctx, query, args...)
}

func (q viewQ) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return q.c.db.QueryRowContext(ctx, query, args...)
}

// wrote tells the entry cache of a write made with a prepared statement, which bypasses
// viewQ; inside a transaction the commit tells it.
func (tx *Tx) wrote() {
	if tx.tx == nil {
		tx.c.cache.changed()
	}
}
