package catalog

import (
	"context"
	"fmt"
	"time"
)

// Drive is a drive of the pool as the catalog remembers it.
type Drive struct {
	ID      string
	Path    string
	Label   string
	State   string
	Reason  string // why the state is what it is, in words
	Added   time.Time
	Changed time.Time
}

// Drives lists every drive of the pool, in the order they were added.
func (tx *Tx) Drives(ctx context.Context) ([]Drive, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT id, path, label, state, reason, added_ns, changed_ns FROM drives ORDER BY added_ns, id")
	if err != nil {
		return nil, fmt.Errorf("list drives: %w", err)
	}
	defer rows.Close()
	var out []Drive
	for rows.Next() {
		var d Drive
		var added, changed int64
		if err := rows.Scan(&d.ID, &d.Path, &d.Label, &d.State, &d.Reason, &added, &changed); err != nil {
			return nil, fmt.Errorf("list drives: %w", err)
		}
		d.Added, d.Changed = nsTime(added), nsTime(changed)
		out = append(out, d)
	}
	return out, rows.Err()
}

// PutDrive adds or updates a drive. A new drive gets the lowest free drive number.
func (tx *Tx) PutDrive(ctx context.Context, d Drive) error {
	num, _, err := tx.nums(ctx)
	if err != nil {
		return err
	}
	n, known := num[d.ID]
	if !known {
		if n, err = freeNum(num); err != nil {
			return err
		}
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO drives(id, num, path, label, state, reason, added_ns, changed_ns) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(id) DO UPDATE SET path = excluded.path, label = excluded.label, state = excluded.state,
			reason = excluded.reason, changed_ns = excluded.changed_ns`,
		d.ID, n, d.Path, d.Label, d.State, d.Reason, timeNS(d.Added), timeNS(d.Changed))
	if err != nil {
		return fmt.Errorf("save drive %s: %w", d.Path, err)
	}
	if !known {
		tx.c.drive.forget()
		tx.drivesChanged = true
	}
	return nil
}

// DeleteDrive forgets a drive and every copy the catalog had on it.
func (tx *Tx) DeleteDrive(ctx context.Context, id string) error {
	bit, err := tx.bit(ctx, id)
	if err != nil {
		return err
	}
	for _, q := range []string{
		"UPDATE entries SET copies = copies & ~? WHERE copies & ? != 0",
		"UPDATE versions SET copies = copies & ~? WHERE copies & ? != 0",
	} {
		if _, err := tx.q.ExecContext(ctx, q, bit, bit); err != nil {
			return fmt.Errorf("forget drive %s: %w", id, err)
		}
	}
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM versions WHERE copies = 0"); err != nil {
		return err
	}
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM drives WHERE id = ?", id); err != nil {
		return fmt.Errorf("forget drive %s: %w", id, err)
	}
	tx.c.drive.forget()
	tx.drivesChanged = true
	return nil
}

// DriveUse is what one drive holds.
type DriveUse struct {
	Files int64
	Bytes int64
}

// DriveUses counts the file copies and bytes on each drive.
func (tx *Tx) DriveUses(ctx context.Context) (map[string]DriveUse, error) {
	num, _, err := tx.nums(ctx)
	if err != nil {
		return nil, err
	}
	// From the counters (one row per share and set of drives), not a walk of the index.
	rows, err := tx.q.QueryContext(ctx, "SELECT copies, sum(files), sum(bytes) FROM entry_counts GROUP BY copies")
	if err != nil {
		return nil, fmt.Errorf("count drive use: %w", err)
	}
	defer rows.Close()
	out := map[string]DriveUse{}
	for id := range num {
		out[id] = DriveUse{}
	}
	for rows.Next() {
		var m, files, bytes int64
		if err := rows.Scan(&m, &files, &bytes); err != nil {
			return nil, fmt.Errorf("count drive use: %w", err)
		}
		for id, n := range num {
			if m&(int64(1)<<n) != 0 {
				u := out[id]
				u.Files, u.Bytes = u.Files+files, u.Bytes+bytes
				out[id] = u
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count drive use: %w", err)
	}
	return out, nil
}
