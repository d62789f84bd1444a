package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
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
	// Removed is when the share was removed (zero for a live share). A removed share keeps
	// its files, hidden from everyone, until it is restored or purged.
	Removed time.Time
	// RemovedAccess is the access its users had (user -> level), given back on restore.
	RemovedAccess map[string]string
	// Media: the share is streamed to the TVs of the house (DLNA, without sign-in).
	Media bool
}

const shareCols = "name, copies, description, created_ns, removed_ns, removed_access, media"

func scanShare(row interface{ Scan(...any) error }) (Share, error) {
	var s Share
	var created, removed int64
	var access string
	if err := row.Scan(&s.Name, &s.Copies, &s.Description, &created, &removed, &access, &s.Media); err != nil {
		return s, err
	}
	s.Created, s.Removed = nsTime(created), nsTime(removed)
	if access != "" {
		if err := json.Unmarshal([]byte(access), &s.RemovedAccess); err != nil {
			return s, fmt.Errorf("share %s: its kept access is unreadable: %w", s.Name, err)
		}
	}
	return s, nil
}

// Shares lists the shares by name, removed ones included (Share.Removed tells them).
func (tx *Tx) Shares(ctx context.Context) ([]Share, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+shareCols+" FROM shares ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list shares: %w", err)
	}
	defer rows.Close()
	var out []Share
	for rows.Next() {
		s, err := scanShare(rows)
		if err != nil {
			return nil, fmt.Errorf("list shares: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Share reads one share, removed or not; ErrNotFound when there is none of that name.
func (tx *Tx) Share(ctx context.Context, name string) (Share, error) {
	s, err := scanShare(tx.stmt(ctx, tx.c.hot.share).QueryRowContext(ctx, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Share{Name: name}, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("read share %s: %w", name, err)
	}
	return s, nil
}

// PutShare adds a share, or updates its copies, description and streaming. A new row takes s's
// removal too (a rebuild brings a removed share back removed); an update leaves the
// removal as it is (RemoveShare and RestoreShare change it).
func (tx *Tx) PutShare(ctx context.Context, s Share) error {
	access, err := accessJSON(s.RemovedAccess)
	if err != nil {
		return err
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO shares(`+shareCols+`) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET copies = excluded.copies, description = excluded.description,
			media = excluded.media`,
		s.Name, s.Copies, s.Description, timeNS(s.Created), timeNS(s.Removed), access, s.Media)
	if err != nil {
		return fmt.Errorf("save share %s: %w", s.Name, err)
	}
	return nil
}

func accessJSON(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("keep share access: %w", err)
	}
	return string(b), nil
}

// RemoveShare marks a share removed at `at` and takes its access away, keeping it in the
// share's row: in one transaction, so nobody can reach a removed share.
func (tx *Tx) RemoveShare(ctx context.Context, name string, at time.Time) error {
	table, err := tx.Access(ctx)
	if err != nil {
		return err
	}
	access, err := accessJSON(table[name])
	if err != nil {
		return err
	}
	res, err := tx.q.ExecContext(ctx, "UPDATE shares SET removed_ns = ?, removed_access = ? WHERE name = ? AND removed_ns = 0",
		timeNS(at), access, name)
	if err != nil {
		return fmt.Errorf("remove share %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM access WHERE share = ?", name); err != nil {
		return fmt.Errorf("remove share %s: %w", name, err)
	}
	return nil
}

// RestoreShare makes a removed share live again and gives its access back to those of its
// users who still exist.
func (tx *Tx) RestoreShare(ctx context.Context, name string) error {
	s, err := tx.Share(ctx, name)
	if err != nil {
		return err
	}
	if s.Removed.IsZero() {
		return ErrNotFound
	}
	for user, level := range s.RemovedAccess {
		if _, err := tx.User(ctx, user); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		if err := tx.SetAccess(ctx, name, user, level); err != nil {
			return err
		}
	}
	_, err = tx.q.ExecContext(ctx, "UPDATE shares SET removed_ns = 0, removed_access = '' WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("restore share %s: %w", name, err)
	}
	return nil
}

// DeleteShare forgets a share and any access to it (its files are the caller's to remove).
func (tx *Tx) DeleteShare(ctx context.Context, name string) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM shares WHERE name = ?", name); err != nil {
		return fmt.Errorf("forget share %s: %w", name, err)
	}
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM access WHERE share = ?", name); err != nil {
		return fmt.Errorf("forget share %s: %w", name, err)
	}
	return nil
}
