package catalog

import (
	"context"
	"fmt"
)

// CopyCount is what entry_counts holds for one share and one set of drives: how many of
// the share's files and folders have their copies on exactly those drives.
type CopyCount struct {
	Share  string
	Copies []string // the drives holding the copies
	Files  int64
	Dirs   int64
	Bytes  int64
}

// CopyCounts returns the counters of every share and set of drives that holds anything.
// They are kept by triggers, so reading them costs a few rows however large the pool.
func (tx *Tx) CopyCounts(ctx context.Context) ([]CopyCount, error) {
	_, id, err := tx.nums(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.QueryContext(ctx, "SELECT share, copies, files, dirs, bytes FROM entry_counts WHERE files > 0 OR dirs > 0")
	if err != nil {
		return nil, fmt.Errorf("read the counters: %w", err)
	}
	defer rows.Close()
	var out []CopyCount
	for rows.Next() {
		var c CopyCount
		var m int64
		if err := rows.Scan(&c.Share, &m, &c.Files, &c.Dirs, &c.Bytes); err != nil {
			return nil, err
		}
		c.Copies = drivesOf(m, id)
		out = append(out, c)
	}
	return out, rows.Err()
}

// countTriggers keep entry_counts; their first text is schema step 12's.
const countTriggers = `
CREATE TRIGGER counts_insert AFTER INSERT ON entries BEGIN
	INSERT INTO entry_counts(share, copies, files, dirs, bytes)
		VALUES (substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1), NEW.copies, NEW.dir = 0, NEW.dir != 0, NEW.size)
		ON CONFLICT(share, copies) DO UPDATE SET files = files + excluded.files, dirs = dirs + excluded.dirs,
			bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER counts_delete AFTER DELETE ON entries BEGIN
	UPDATE entry_counts SET files = files - (OLD.dir = 0), dirs = dirs - (OLD.dir != 0), bytes = bytes - OLD.size
		WHERE share = substr(OLD.path, 1, instr(OLD.path || '/', '/') - 1) AND copies = OLD.copies;
END;
CREATE TRIGGER counts_update AFTER UPDATE OF path, dir, size, copies ON entries BEGIN
	UPDATE entry_counts SET files = files - (OLD.dir = 0), dirs = dirs - (OLD.dir != 0), bytes = bytes - OLD.size
		WHERE share = substr(OLD.path, 1, instr(OLD.path || '/', '/') - 1) AND copies = OLD.copies;
	INSERT INTO entry_counts(share, copies, files, dirs, bytes)
		VALUES (substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1), NEW.copies, NEW.dir = 0, NEW.dir != 0, NEW.size)
		ON CONFLICT(share, copies) DO UPDATE SET files = files + excluded.files, dirs = dirs + excluded.dirs,
			bytes = bytes + excluded.bytes;
END;
`

const dropCountTriggers = `DROP TRIGGER IF EXISTS counts_insert;
DROP TRIGGER IF EXISTS counts_delete;
DROP TRIGGER IF EXISTS counts_update;`

// recount counts every entry again in bulk and puts the triggers back: a rebuild of the
// index loads the entries without them (a trigger per row of a million costs more than
// one pass at the end). Open calls it when a rebuild was cut off before.
func (c *Catalog) recount(ctx context.Context) error {
	return c.Update(ctx, func(tx *Tx) error {
		return tx.withBulkCache(ctx, func() error { return tx.recount(ctx) })
	})
}

func (tx *Tx) recount(ctx context.Context) error {
	_, err := tx.q.ExecContext(ctx, dropCountTriggers+`
		DELETE FROM entry_counts;
		INSERT INTO entry_counts(share, copies, files, dirs, bytes)
			SELECT substr(path, 1, instr(path || '/', '/') - 1), copies, sum(dir = 0), sum(dir != 0), sum(size)
			FROM entries GROUP BY 1, 2;`+countTriggers)
	if err != nil {
		return fmt.Errorf("count the index: %w", err)
	}
	return nil
}

// countsComplete reports whether the counters' triggers are all there.
func (c *Catalog) countsComplete(ctx context.Context) (bool, error) {
	var n int
	err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger'
		AND name IN ('counts_insert', 'counts_delete', 'counts_update')`).Scan(&n)
	return n == 3, err
}

// bulkCacheKiB is the page cache of the statements that rebuild the search index and
// the counters in bulk. They read and write every entry, not in the order the entries
// are kept (the numbering follows path length): with the everyday cache (32 MiB) a
// million entries meant a page read from the file and a dirty page spilled for most
// rows. The cache is raised for that one transaction and put back after it.
const bulkCacheKiB = 256 << 10

// withBulkCache runs fn with the page cache of tx's connection raised to bulkCacheKiB.
func (tx *Tx) withBulkCache(ctx context.Context, fn func() error) error {
	var was int64
	if err := tx.q.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&was); err != nil {
		return fmt.Errorf("read the page cache's size: %w", err)
	}
	if _, err := tx.q.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB)); err != nil {
		return fmt.Errorf("raise the page cache: %w", err)
	}
	err := fn()
	if _, rerr := tx.q.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA cache_size = %d", was)); err == nil && rerr != nil {
		err = fmt.Errorf("put the page cache back: %w", rerr)
	}
	return err
}
