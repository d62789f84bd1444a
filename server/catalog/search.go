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
// name under that number (schema step 10 says how). nameText is the text indexed for an
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
	start := phrase("/" + query)
	if n == 1 {
		start = phrase("//" + query)
	}
	window := max(limit, searchWindow)
	var out []Found
	seen := map[string]bool{}
	add := func(hs []hit, rank func(hit) int) {
		var got []Found
		for _, h := range hs {
			if !seen[h.Path] {
				seen[h.Path] = true
				got = append(got, Found{h.Entry, rank(h)})
			}
		}
		slices.SortFunc(got, func(a, b Found) int {
			return cmp.Or(cmp.Compare(a.Match, b.Match), cmp.Compare(len(a.Path), len(b.Path)), strings.Compare(a.Path, b.Path))
		})
		out = append(out, got...)
	}
	starts, err := tx.findMatch(ctx, start, shares, window)
	if err != nil {
		return nil, fmt.Errorf("search for %q: %w", query, err)
	}
	if len(starts) < window {
		// All the names starting with query are here: the whole ones are as long as it
		// (the tokenizer folds a character into one), and a long phrase is read once less.
		add(starts, func(h hit) int {
			if h.nameLen == n {
				return MatchExact
			}
			return MatchPrefix
		})
	} else {
		whole, err := tx.findMatch(ctx, phrase("/"+query+"/"), shares, window)
		if err != nil {
			return nil, fmt.Errorf("search for %q: %w", query, err)
		}
		add(whole, func(hit) int { return MatchExact })
		add(starts, func(hit) int { return MatchPrefix })
	}
	if len(out) < limit && n >= 3 {
		inside, err := tx.findMatch(ctx, phrase(query), shares, window+len(out))
		if err != nil {
			return nil, fmt.Errorf("search for %q: %w", query, err)
		}
		add(inside, func(hit) int { return MatchInside })
	}
	return out[:min(limit, len(out))], nil
}

// hit is an entry whose indexed name matched, with its name's length in characters.
type hit struct {
	Entry
	nameLen int
}

// findMatch reads up to limit entries of the shares whose indexed names match an FTS5
// query, in the order of their numbers.
func (tx *Tx) findMatch(ctx context.Context, match string, shares []string, limit int) ([]hit, error) {
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
	rows, err := tx.q.QueryContext(ctx, `SELECT e.path, e.dir, e.size, e.mtime_ns, e.hash, e.gen, e.copies,
			length(e.path) - CASE WHEN e.parent = '' THEN 0 ELSE length(e.parent) + 1 END
		FROM names_fts f JOIN entries e ON e.sid = f.rowid
		WHERE names_fts MATCH ? AND (`+in.String()+`) ORDER BY f.rowid LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hit
	for rows.Next() {
		var h hit
		var mtime, copies int64
		if err := rows.Scan(&h.Path, &h.Dir, &h.Size, &mtime, &h.Hash, &h.Gen, &copies, &h.nameLen); err != nil {
			return nil, err
		}
		h.ModTime = nsTime(mtime)
		h.Copies = drivesOf(copies, ids)
		out = append(out, h)
	}
	return out, rows.Err()
}
