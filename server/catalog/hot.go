package catalog

import (
	"context"
	"database/sql"
	"fmt"
)

// hot holds the statements on the pool's path of every file written, prepared once when
// the catalog opens. Parsing one each time cost more than running it: the upsert of an
// entry carries the search index's triggers, and SQLite parsed them all again for each
// file (a fifth of the CPU time of writing a small file).
type hot struct {
	putEntry     *sql.Stmt
	touchParent  *sql.Stmt
	clearDamaged *sql.Stmt
	share        *sql.Stmt
}

func (c *Catalog) prepareHot(ctx context.Context) error {
	for _, s := range []struct {
		to  **sql.Stmt
		sql string
	}{
		{&c.hot.putEntry, fmt.Sprintf(upsertEntry, "(?,?,?,?,?,?,?,?)")},
		{&c.hot.touchParent, "UPDATE entries SET mtime_ns = max(mtime_ns, ?) WHERE path = ? AND dir = 1"},
		{&c.hot.clearDamaged, "DELETE FROM damaged WHERE path = ?"},
		{&c.hot.share, "SELECT " + shareCols + " FROM shares WHERE name = ?"},
	} {
		st, err := c.db.PrepareContext(ctx, s.sql)
		if err != nil {
			c.closeHot()
			return fmt.Errorf("prepare %q: %w", s.sql, err)
		}
		*s.to = st
	}
	return nil
}

func (c *Catalog) closeHot() {
	for _, s := range []*sql.Stmt{c.hot.putEntry, c.hot.touchParent, c.hot.clearDamaged, c.hot.share} {
		if s != nil {
			s.Close()
		}
	}
}
