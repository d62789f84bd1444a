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
// name under that number (schema steps 10 and 11 say how). An entry's share (the first
// part of its path) has a number in search_shares, and the entry's sid is that number
// shifted by shareBits plus the entry's place in the share: a share is one range of sids,
// which a search asks the FTS index for, so that matches in other shares cost nothing.
// nameText is the text indexed for an entry, shareText its share; the triggers keep
// both in step with entries, in the same transaction.
const (
	nameText = `'//' || CASE WHEN %[1]sparent = '' THEN %[1]spath
	ELSE substr(%[1]spath, length(%[1]sparent) + 2) END || '/'`
	shareText = `substr(%[1]spath, 1, instr(%[1]spath || '/', '/') - 1)`
	shareBits = 40 // a trillion entries a share, eight million shares
)

// nameTriggers are the current triggers. reindexNames creates them afresh, so changing
// them here reaches every catalog at its next rebuild of the name index.
var nameTriggers = func() string {
	newShare, oldShare := fmt.Sprintf(shareText, "NEW."), fmt.Sprintf(shareText, "OLD.")
	// A new share is numbered after the others; the entry takes its share's highest sid
	// plus one (the first, the share's number shifted plus one).
	number := fmt.Sprintf(`INSERT OR IGNORE INTO search_shares(share, num) VALUES (%[1]s,
		(SELECT coalesce(max(num), 0) + 1 FROM search_shares));
	UPDATE entries SET sid = (SELECT coalesce((SELECT sid FROM entries WHERE sid BETWEEN s.num << %[2]d
			AND (s.num << %[2]d) + %[3]d ORDER BY sid DESC LIMIT 1), s.num << %[2]d) + 1
		FROM search_shares s WHERE s.share = %[1]s)
	WHERE path = NEW.path`, newShare, shareBits, int64(1)<<shareBits-1)
	index := fmt.Sprintf(`INSERT INTO names_fts(rowid, name) SELECT sid, %s FROM entries WHERE path = NEW.path`,
		fmt.Sprintf(nameText, "NEW."))
	return fmt.Sprintf(`
CREATE TRIGGER names_insert AFTER INSERT ON entries BEGIN
	%[1]s;
	%[2]s;
END;
CREATE TRIGGER names_delete AFTER DELETE ON entries BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
END;
-- Below a folder moved within its share only the paths change: the names, the trigrams
-- and the numbers stay. One moved into another share is numbered again in that one.
CREATE TRIGGER names_move AFTER UPDATE OF path ON entries WHEN %[3]s <> %[4]s OR %[5]s <> %[6]s BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
	%[1]s AND %[3]s <> %[4]s;
	%[2]s;
END;`, number, index, oldShare, newShare, fmt.Sprintf(nameText, "OLD."), fmt.Sprintf(nameText, "NEW."))
}()

const dropNameTriggers = `DROP TRIGGER IF EXISTS names_insert;
DROP TRIGGER IF EXISTS names_delete;
DROP TRIGGER IF EXISTS names_move;`

// reindexNames numbers every share and entry and indexes the names in bulk, in one
// transaction, shortest paths first within each share (the order a search reads its
// candidates in), and puts the triggers back. A rebuild of the pool's index calls it
// once the entries are in; Open calls it when a rebuild was cut off before.
func (c *Catalog) reindexNames(ctx context.Context) error {
	share := fmt.Sprintf(shareText, "e.")
	err := c.Update(ctx, func(tx *Tx) error {
		return tx.withBulkCache(ctx, func() error {
			_, err := tx.q.ExecContext(ctx, dropNameTriggers+`
			DROP INDEX IF EXISTS entries_sid;
			INSERT INTO names_fts(names_fts) VALUES ('delete-all');
			DELETE FROM search_shares;
			INSERT INTO search_shares(share, num) SELECT share, row_number() OVER (ORDER BY share)
				FROM (SELECT DISTINCT `+share+` AS share FROM entries e);
			UPDATE entries SET sid = n.sid FROM (SELECT e.path, (s.num << `+fmt.Sprint(shareBits)+`)
					+ row_number() OVER (PARTITION BY s.num ORDER BY length(e.path), e.path) AS sid
				FROM entries e JOIN search_shares s ON s.share = `+share+`) AS n
				WHERE entries.path = n.path;
			CREATE UNIQUE INDEX entries_sid ON entries(sid);
			INSERT INTO names_fts(rowid, name) SELECT sid, `+fmt.Sprintf(nameText, "")+` FROM entries ORDER BY sid;
			INSERT INTO names_fts(names_fts) VALUES ('optimize');`+nameTriggers)
			return err
		})
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

// searchWindow is how many candidates of each rank a search reads, shared out among the
// shares searched, to put the shortest paths first. A share's candidates come shortest
// path first as numbered by the last bulk build (newer files after them), so beyond the
// window the order is near, not exact.
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
	s, err := tx.newSearch(ctx, shares)
	if err != nil || len(s.spans) == 0 {
		return nil, err
	}
	start := "/" + query
	if n == 1 {
		start = "//" + query
	}
	window := max(limit, searchWindow/len(s.spans))
	type ranked struct {
		hit
		match int
	}
	var out []ranked
	seen := map[string]bool{}
	add := func(hs []hit, rank func(hit) int) {
		var got []ranked
		for _, h := range hs {
			if !seen[h.path] {
				seen[h.path] = true
				got = append(got, ranked{h, rank(h)})
			}
		}
		slices.SortFunc(got, func(a, b ranked) int {
			return cmp.Or(cmp.Compare(a.match, b.match), cmp.Compare(len(a.path), len(b.path)), strings.Compare(a.path, b.path))
		})
		out = append(out, got...)
	}
	starts, all, err := s.match(ctx, start, window)
	if err != nil {
		return nil, fmt.Errorf("search for %q: %w", query, err)
	}
	if all {
		// All the names starting with query are here: the whole ones are as long as it
		// (the tokenizer folds a character into one), and a long phrase is read once less.
		add(starts, func(h hit) int {
			if h.nameLen() == n {
				return MatchExact
			}
			return MatchPrefix
		})
	} else {
		whole, _, err := s.match(ctx, "/"+query+"/", window)
		if err != nil {
			return nil, fmt.Errorf("search for %q: %w", query, err)
		}
		add(whole, func(hit) int { return MatchExact })
		add(starts, func(hit) int { return MatchPrefix })
	}
	if len(out) < limit && n >= 3 {
		inside, _, err := s.match(ctx, query, window+len(out))
		if err != nil {
			return nil, fmt.Errorf("search for %q: %w", query, err)
		}
		add(inside, func(hit) int { return MatchInside })
	}
	// The candidates were ranked by their paths alone; only the best are read whole (one
	// gone meanwhile is left out).
	out = out[:min(limit, len(out))]
	if len(out) == 0 {
		return nil, nil
	}
	sids := make([]any, len(out))
	for i, r := range out {
		sids[i] = r.sid
	}
	es, err := tx.entries(ctx, "WHERE sid IN (?"+strings.Repeat(", ?", len(sids)-1)+")", sids...)
	if err != nil {
		return nil, fmt.Errorf("search for %q: %w", query, err)
	}
	byPath := make(map[string]Entry, len(es))
	for _, e := range es {
		byPath[e.Path] = e
	}
	found := make([]Found, 0, len(out))
	for _, r := range out {
		if e, ok := byPath[r.path]; ok {
			found = append(found, Found{e, r.match})
		}
	}
	return found, nil
}

// hit is an entry whose indexed name matched: its number and path.
type hit struct {
	sid  int64
	path string
}

// nameLen is the length of the hit's name in characters.
func (h hit) nameLen() int {
	return utf8.RuneCountInString(h.path[strings.LastIndexByte(h.path, '/')+1:])
}

// span is the range of sids of one share.
type span struct{ lo, hi int64 }

// shareSpans returns the ranges of sids of the shares (none for a share without entries).
func (tx *Tx) shareSpans(ctx context.Context, shares []string) ([]span, error) {
	args := make([]any, len(shares))
	for i, s := range shares {
		args[i] = s
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT num FROM search_shares WHERE share IN (?`+
		strings.Repeat(", ?", len(shares)-1)+`) ORDER BY num`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []span
	for rows.Next() {
		var num int64
		if err := rows.Scan(&num); err != nil {
			return nil, err
		}
		out = append(out, span{num << shareBits, num<<shareBits + 1<<shareBits - 1})
	}
	return out, rows.Err()
}

// findMatch reads up to limit entries of a share whose indexed names match an FTS5
// query, in the order of their numbers. The range of numbers goes to the FTS index,
// which seeks to it in each trigram's list; the paths come from the index of numbers
// alone (a share's own folder, with no slash, is left out).
func (tx *Tx) findMatch(ctx context.Context, match string, sp span, limit int) ([]hit, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT f.rowid, e.path FROM names_fts f JOIN entries e ON e.sid = f.rowid
		WHERE names_fts MATCH ? AND f.rowid BETWEEN ? AND ? AND instr(e.path, '/') > 0
		ORDER BY f.rowid LIMIT ?`, match, sp.lo, sp.hi, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.sid, &h.path); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
