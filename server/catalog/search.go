package catalog

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Search by name: every entry has a number, sid, and names_fts holds the trigrams of its
// name under that number (schema step 9 says how). nameText is the text indexed for an
// entry; the triggers keep it in step with entries, in the same transaction.
const nameText = `'//' || CASE WHEN %[1]sparent = '' THEN %[1]spath
	ELSE substr(%[1]spath, length(%[1]sparent) + 2) END || '/'`

// nameTriggers are the current triggers. reindexNames creates them afresh, so changing
// them here reaches every catalog at its next rebuild of the name index.
var nameTriggers = fmt.Sprintf(`
CREATE TRIGGER names_insert AFTER INSERT ON entries BEGIN
	UPDATE entries SET sid = (SELECT coalesce(max(sid), 0) + 1 FROM entries) WHERE path = NEW.path;
	INSERT INTO names_fts(rowid, name) SELECT sid, %[1]s FROM entries WHERE path = NEW.path;
END;
CREATE TRIGGER names_delete AFTER DELETE ON entries BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
END;
-- Below a moved folder only the paths change: the names, and so the trigrams, stay.
CREATE TRIGGER names_move AFTER UPDATE OF path ON entries WHEN %[2]s <> %[1]s BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
	INSERT INTO names_fts(rowid, name) VALUES (NEW.sid, %[1]s);
END;`, fmt.Sprintf(nameText, "NEW."), fmt.Sprintf(nameText, "OLD."))

const dropNameTriggers = `DROP TRIGGER IF EXISTS names_insert;
DROP TRIGGER IF EXISTS names_delete;
DROP TRIGGER IF EXISTS names_move;`

// reindexNames numbers every entry and indexes its name in bulk, in one transaction,
// shortest paths first (the order a search reads its candidates in), and puts the
// triggers back. A rebuild of the pool's index calls it once the entries are in; Open
// calls it when a rebuild was cut off before.
func (c *Catalog) reindexNames(ctx context.Context) error {
	err := c.Update(ctx, func(tx *Tx) error {
		_, err := tx.q.ExecContext(ctx, dropNameTriggers+`
			DROP INDEX IF EXISTS entries_sid;
			INSERT INTO names_fts(names_fts) VALUES ('delete-all');
			UPDATE entries SET sid = n.sid FROM (SELECT path, row_number() OVER (ORDER BY length(path), path) AS sid
				FROM entries) AS n WHERE entries.path = n.path;
			CREATE UNIQUE INDEX entries_sid ON entries(sid);
			INSERT INTO names_fts(rowid, name) SELECT sid, `+fmt.Sprintf(nameText, "")+` FROM entries;
			INSERT INTO names_fts(names_fts) VALUES ('optimize');`+nameTriggers)
		return err
	})
	if err != nil {
		return fmt.Errorf("build the search index: %w", err)
	}
	return nil
}

// nameIndexComplete tells whether the triggers and the number index are in place (a bulk
// load drops them, one statement at a time).
func (c *Catalog) nameIndexComplete(ctx context.Context) (bool, error) {
	var n int
	err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE (type = 'trigger'
		AND name IN ('names_insert', 'names_delete', 'names_move')) OR (type = 'index' AND name = 'entries_sid')`).Scan(&n)
	return n == 4, err
}

// Match ranks: how well a found name matches the query.
const (
	MatchExact  = iota // the whole name
	MatchPrefix        // its start
	MatchInside        // somewhere in it
)

// Found is an entry a search found, with how well its name matched.
type Found struct {
	Entry
	Match int
}

// searchWindow is how many candidates of each rank a search reads to put the shortest
// paths first. The candidates come shortest path first as numbered by the last bulk
// build (newer files after them), so beyond the window the order is near, not exact.
const searchWindow = 500

// Find returns up to limit files and folders whose names hold query, ignoring case and
// accents, from the given shares only (a share's own folder is not a result). Whole
// names come first, then names that start with query, then the others, shorter paths
// first; queries of one or two characters find names that start with them only.
func (tx *Tx) Find(ctx context.Context, query string, shares []string, limit int) ([]Found, error) {
	query = strings.TrimSpace(query)
	n := utf8.RuneCountInString(query)
	if n == 0 || limit <= 0 || len(shares) == 0 || strings.ContainsAny(query, "/\x00") {
		return nil, nil // no name holds a slash
	}
	// FTS5 phrases are quoted; a quote inside is doubled.
	phrase := func(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
	ranks := []string{phrase("/" + query + "/"), phrase("/" + query)}
	switch {
	case n == 1:
		ranks[1] = phrase("//" + query)
	case n >= 3:
		ranks = append(ranks, phrase(query))
	}
	var out []Found
	seen := map[string]bool{}
	for rank, match := range ranks {
		es, err := tx.findMatch(ctx, match, shares, max(limit, searchWindow)+len(out))
		if err != nil {
			return nil, fmt.Errorf("search for %q: %w", query, err)
		}
		var got []Found
		for _, e := range es {
			if !seen[e.Path] {
				seen[e.Path] = true
				got = append(got, Found{e, rank})
			}
		}
		slices.SortFunc(got, func(a, b Found) int {
			return cmp.Or(cmp.Compare(len(a.Path), len(b.Path)), strings.Compare(a.Path, b.Path))
		})
		out = append(out, got...)
		if len(out) >= limit {
			return out[:limit], nil
		}
	}
	return out, nil
}

// findMatch reads up to limit entries of the shares whose indexed names match an FTS5
// query, in the names' numbering order.
func (tx *Tx) findMatch(ctx context.Context, match string, shares []string, limit int) ([]Entry, error) {
	_, ids, err := tx.nums(ctx)
	if err != nil {
		return nil, err
	}
	// Each share is a range of paths: the filter stays inside the query, so a share with
	// few matches is not crowded out of the limit by others.
	var in strings.Builder
	args := []any{match}
	for i, s := range shares {
		if i > 0 {
			in.WriteString(" OR ")
		}
		in.WriteString("(e.path >= ? AND e.path < ?)")
		args = append(args, s+"/", s+"0")
	}
	args = append(args, limit)
	rows, err := tx.q.QueryContext(ctx, `SELECT e.path, e.dir, e.size, e.mtime_ns, e.hash, e.gen, e.copies
		FROM names_fts f JOIN entries e ON e.sid = f.rowid
		WHERE names_fts MATCH ? AND (`+in.String()+`) ORDER BY f.rowid LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows, ids)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
