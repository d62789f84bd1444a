package catalog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// A bulk load numbers the entries for the search index as they are put, instead of
// numbering every entry again once they are all in: that pass (a window over every
// entry, sorted by length and path, and a rewrite of every row to store its number) was
// most of the time of building the search index after a rebuild, more than reading the
// drives. Within a share, an entry's number is
//
//	share number << shareBits | length of its path << bulkLenShift | how many came before
//
// so a search still reads its candidates shortest paths first; among paths of one
// length, in the order they were put (a rebuild's walk goes by name) rather than by path.
// An entry put some other way meanwhile (PutEntry, no number) is numbered at the end,
// after the others of its share, in the order reindexNames would give it.
const (
	bulkLenShift = 28                              // up to 268 million entries of one length in a share
	bulkMaxLen   = 1<<(shareBits-bulkLenShift) - 1 // longer paths share the last length's numbers
)

// bulkNumbers hands out the numbers of a bulk load.
type bulkNumbers struct {
	mu     sync.Mutex
	shares map[string]int64   // share -> its number in search_shares
	top    int64              // the highest share number
	next   map[[2]int64]int64 // share number, length -> the last place given
	// moved: something was moved during the load (the triggers that number an entry
	// moved into another share again are off), so every number is checked at the end.
	moved atomic.Bool
}

// newBulkNumbers starts numbering with the shares search_shares knows already (a share
// keeps its number).
func (c *Catalog) newBulkNumbers(ctx context.Context) (*bulkNumbers, error) {
	b := &bulkNumbers{shares: map[string]int64{}, next: map[[2]int64]int64{}}
	rows, err := c.db.QueryContext(ctx, "SELECT share, num FROM search_shares")
	if err != nil {
		return nil, fmt.Errorf("read the search index's shares: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, fmt.Errorf("read the search index's shares: %w", err)
		}
		b.shares[s], b.top = n, max(b.top, n)
	}
	return b, rows.Err()
}

// number returns path's number, recording a share new to the search index in tx; ok is
// false when the path's length has no numbers left (it is numbered at the end).
func (b *bulkNumbers) number(ctx context.Context, tx *Tx, path string) (sid int64, ok bool, err error) {
	share, _, _ := strings.Cut(path, "/")
	b.mu.Lock()
	defer b.mu.Unlock()
	num, known := b.shares[share]
	if !known {
		b.top++
		num = b.top
		// A transaction rolled back takes this row with it; finishNames records every
		// share again.
		if _, err := tx.q.ExecContext(ctx, "INSERT OR IGNORE INTO search_shares(share, num) VALUES (?, ?)", share, num); err != nil {
			return 0, false, fmt.Errorf("number the share %q for search: %w", share, err)
		}
		b.shares[share] = num
	}
	key := [2]int64{num, int64(min(len(path), bulkMaxLen))}
	place := b.next[key] + 1
	if place >= 1<<bulkLenShift {
		return 0, false, nil
	}
	b.next[key] = place
	return num<<shareBits | key[1]<<bulkLenShift | place, true, nil
}

// finishNames completes the search index after a bulk load: the shares numbered are
// recorded, entries put without a number get one, the names are indexed in bulk and the
// triggers come back.
func (tx *Tx) finishNames(ctx context.Context, b *bulkNumbers) error {
	share := fmt.Sprintf(shareText, "e.")
	for s, n := range b.shares {
		if _, err := tx.q.ExecContext(ctx, "INSERT OR IGNORE INTO search_shares(share, num) VALUES (?, ?)", s, n); err != nil {
			return fmt.Errorf("build the search index: %w", err)
		}
	}
	if b.moved.Load() {
		// An entry moved into another share during the load keeps a number of its old
		// share's range, where a search of that share would find it: numbered again.
		_, err := tx.q.ExecContext(ctx, `UPDATE entries SET sid = NULL WHERE sid IS NOT NULL
			AND sid >> `+fmt.Sprint(shareBits)+` IS NOT (SELECT num FROM search_shares s
				WHERE s.share = `+fmt.Sprintf(shareText, "entries.")+`)`)
		if err != nil {
			return fmt.Errorf("build the search index: %w", err)
		}
	}
	_, err := tx.q.ExecContext(ctx, dropNameTriggers+`
	CREATE UNIQUE INDEX IF NOT EXISTS entries_sid ON entries(sid);
	INSERT OR IGNORE INTO search_shares(share, num) SELECT share, (SELECT coalesce(max(num), 0) FROM search_shares)
			+ row_number() OVER (ORDER BY share)
		FROM (SELECT DISTINCT `+share+` AS share FROM entries e WHERE sid IS NULL
			AND `+share+` NOT IN (SELECT share FROM search_shares));
	UPDATE entries SET sid = n.sid FROM (SELECT e.path, coalesce((SELECT max(x.sid) FROM entries x
				WHERE x.sid BETWEEN s.num << `+fmt.Sprint(shareBits)+` AND (s.num << `+fmt.Sprint(shareBits)+`) + `+fmt.Sprint(int64(1)<<shareBits-1)+`),
				s.num << `+fmt.Sprint(shareBits)+`)
			+ row_number() OVER (PARTITION BY s.num ORDER BY length(e.path), e.path) AS sid
		FROM entries e JOIN search_shares s ON s.share = `+share+` WHERE e.sid IS NULL) AS n
		WHERE entries.path = n.path;
	INSERT INTO names_fts(names_fts) VALUES ('delete-all');
	INSERT INTO names_fts(rowid, name) SELECT sid, `+fmt.Sprintf(nameText, "")+` FROM entries ORDER BY sid;
	INSERT INTO names_fts(names_fts) VALUES ('optimize');`+nameTriggers)
	if err != nil {
		return fmt.Errorf("build the search index: %w", err)
	}
	return nil
}
