package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
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
	// A full chunk of PutEntries, plain and numbered (a rebuild puts a million entries
	// through these: a statement of 200 rows took longer to parse than to run).
	putChunk, putNumbered *sql.Stmt
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
		{&c.hot.putChunk, fmt.Sprintf(upsertEntry, rowsOf(putChunk, 8))},
		{&c.hot.putNumbered, fmt.Sprintf(upsertNumbered, rowsOf(putChunk, 9))},
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
	for _, s := range []*sql.Stmt{c.hot.putEntry, c.hot.touchParent, c.hot.clearDamaged, c.hot.share, c.hot.putChunk, c.hot.putNumbered} {
		if s != nil {
			s.Close()
		}
	}
}

// rowsOf is the VALUES list of n rows of cols parameters each.
func rowsOf(n, cols int) string {
	row := "(?" + strings.Repeat(",?", cols-1) + ")"
	return row + strings.Repeat(","+row, n-1)
}
