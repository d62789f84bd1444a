package pool

import (
	"context"
	"sync"

	"github.com/hearth-home/hearth/server/catalog"
)

// groupCommit records the catalog rows of writers that finish together in one
// transaction (a group commit). The first writer to arrive while no transaction runs
// leads: it commits its own row and those of every writer that joined its group; the
// writers that arrive meanwhile form the next group, led by the first of them once the
// running transaction is over. A writer alone commits at once, as before; concurrent
// writers share one BEGIN and COMMIT, and the search index's pages of a commit, and no
// longer wait on SQLite's write lock for each other.
//
// Each writer's rows are its own: if one's fn fails, the group's transaction is rolled
// back and each fn runs again in a transaction of its own, so one failure never loses
// another writer's row, and each writer gets its own error.
type groupCommit struct {
	mu   sync.Mutex
	cur  *commitGroup // the group whose transaction runs, if any
	next *commitGroup // the group gathering, not started
}

type commitGroup struct {
	fns     []func(*catalog.Tx) error
	errs    []error
	started bool
	done    chan struct{} // closed when errs is set
}

// maxGroup bounds a group, so that a transaction stays short.
const maxGroup = 128

// update runs fn in a catalog transaction, together with those of other writers that
// arrive at the same time, and returns fn's own outcome once the transaction is
// committed (or rolled back).
func (g *groupCommit) update(ctx context.Context, cat *catalog.Catalog, fn func(*catalog.Tx) error) error {
	g.mu.Lock()
	if g.next != nil && len(g.next.fns) >= maxGroup {
		g.mu.Unlock()
		return cat.Update(ctx, fn) // the gathering group is full: on its own, as before
	}
	if g.next == nil {
		g.next = &commitGroup{done: make(chan struct{})}
	}
	b := g.next
	i := len(b.fns)
	b.fns = append(b.fns, fn)
	for {
		if b.started {
			g.mu.Unlock()
			<-b.done
			return b.errs[i]
		}
		if g.cur == nil {
			g.cur, g.next, b.started = b, nil, true
			g.mu.Unlock()
			b.errs = commitAll(ctx, cat, b.fns)
			g.mu.Lock()
			g.cur = nil
			g.mu.Unlock()
			close(b.done)
			return b.errs[i]
		}
		// Another group's transaction runs: once it is over, this group starts, led by
		// whichever of its writers gets there first.
		cur := g.cur
		g.mu.Unlock()
		<-cur.done
		g.mu.Lock()
	}
}

// commitAll runs fns in one transaction; if that fails, each in its own.
func commitAll(ctx context.Context, cat *catalog.Catalog, fns []func(*catalog.Tx) error) []error {
	errs := make([]error, len(fns))
	err := cat.Update(ctx, func(tx *catalog.Tx) error {
		for _, fn := range fns {
			if err := fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(fns) == 1 {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	for i, fn := range fns {
		errs[i] = cat.Update(ctx, fn)
	}
	return errs
}
