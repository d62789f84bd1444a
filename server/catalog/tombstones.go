package catalog

import (
	"context"
	"fmt"
	"time"
)

// Tombstone remembers that path (and everything below it) was deleted at generation Gen,
// so a copy that comes back on a drive that was away is recognised as stale.
type Tombstone struct {
	Path    string
	Gen     uint64
	At      time.Time
	To      string // set for a rename: where the item went
	FromGen uint64 // for a rename: the generation of the item that moved
}

// AddTombstone records a delete or rename; a later one of the same path replaces an
// earlier one.
func (tx *Tx) AddTombstone(ctx context.Context, t Tombstone) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO tombstones(path, gen, at_ns, moved_to, from_gen) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET at_ns = excluded.at_ns, moved_to = excluded.moved_to, gen = excluded.gen,
			from_gen = excluded.from_gen
		WHERE excluded.gen > gen`, t.Path, t.Gen, timeNS(t.At), t.To, t.FromGen)
	if err != nil {
		return fmt.Errorf("remember delete of %s: %w", t.Path, err)
	}
	return nil
}

// Tombstones lists every remembered delete and rename, oldest first.
func (tx *Tx) Tombstones(ctx context.Context) ([]Tombstone, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT path, gen, at_ns, moved_to, from_gen FROM tombstones ORDER BY gen")
	if err != nil {
		return nil, fmt.Errorf("list deletes: %w", err)
	}
	defer rows.Close()
	var out []Tombstone
	for rows.Next() {
		var t Tombstone
		var at int64
		if err := rows.Scan(&t.Path, &t.Gen, &at, &t.To, &t.FromGen); err != nil {
			return nil, err
		}
		t.At = nsTime(at)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ClearTombstones forgets every delete.
func (tx *Tx) ClearTombstones(ctx context.Context) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM tombstones")
	return err
}
