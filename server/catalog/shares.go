package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Share is a top-level folder of the pool with its settings.
type Share struct {
	Name        string
	Copies      int // 0: automatic (2 when the pool has two drives or more), else 1 or 2
	Description string
	Created     time.Time
}

// Shares lists the shares by name.
func (tx *Tx) Shares(ctx context.Context) ([]Share, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT name, copies, description, created_ns FROM shares ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	defer rows.Close()
	var out []Share
	for rows.Next() {
		var s Share
		var created int64
		if err := rows.Scan(&s.Name, &s.Copies, &s.Description, &created); err != nil {
			return nil, fmt.Errorf("list shares: %w", err)
		}
		s.Created = nsTime(created)
		out = append(out, s)
	}
	return out, rows.Err()
}

// Share reads one share; ErrNotFound when there is none of that name.
func (tx *Tx) Share(ctx context.Context, name string) (Share, error) {
	s := Share{Name: name}
	var created int64
	err := tx.q.QueryRowContext(ctx, "SELECT copies, description, created_ns FROM shares WHERE name = ?", name).
		Scan(&s.Copies, &s.Description, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("read share %s: %w", name, err)
	}
	s.Created = nsTime(created)
	return s, nil
}

// PutShare adds or updates a share.
func (tx *Tx) PutShare(ctx context.Context, s Share) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO shares(name, copies, description, created_ns) VALUES(?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET copies = excluded.copies, description = excluded.description`,
		s.Name, s.Copies, s.Description, timeNS(s.Created))
	if err != nil {
		return fmt.Errorf("save share %s: %w", s.Name, err)
	}
	return nil
}
