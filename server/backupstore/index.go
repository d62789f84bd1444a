package backupstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/hearth-home/hearth/backup"
)

// The index says where each blob is. The packs on the drives are the truth: Reconcile
// rebuilds the index from them.
const schema = `
CREATE TABLE IF NOT EXISTS packs(
	n INTEGER PRIMARY KEY,
	id BLOB NOT NULL UNIQUE,
	size INTEGER NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs(
	id BLOB PRIMARY KEY,
	pack INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	enc INTEGER NOT NULL,
	off INTEGER NOT NULL,
	len INTEGER NOT NULL,
	raw INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blobs_pack ON blobs(pack);
`

// loc is where a blob is stored.
type loc struct {
	pack backup.ID
	backup.Entry
}

func (s *Store) lookup(ctx context.Context, id backup.ID) (loc, bool, error) {
	var l loc
	var pack []byte
	err := s.db.QueryRowContext(ctx, `SELECT p.id, b.kind, b.enc, b.off, b.len, b.raw FROM blobs b JOIN packs p ON p.n = b.pack WHERE b.id = ?`, id[:]).
		Scan(&pack, &l.Kind, &l.Enc, &l.Offset, &l.Length, &l.RawLen)
	if err == sql.ErrNoRows {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("backup index: %w", err)
	}
	copy(l.pack[:], pack)
	l.ID = id
	return l, true, nil
}

// present returns which of ids the index holds.
func (s *Store) present(ctx context.Context, ids []backup.ID) (map[backup.ID]bool, error) {
	have := make(map[backup.ID]bool, len(ids))
	err := s.inBatches(ctx, ids, `SELECT id FROM blobs WHERE id IN `, func(rows *sql.Rows) error {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		have[backup.ID(b)] = true
		return nil
	})
	return have, err
}

// lookupMany returns where each of ids is stored, leaving out those the index lacks. A
// restore asks for hundreds at a time; one query for each 500 instead of one each saved
// a third of the server's work in sending them.
func (s *Store) lookupMany(ctx context.Context, ids []backup.ID) (map[backup.ID]loc, error) {
	found := make(map[backup.ID]loc, len(ids))
	err := s.inBatches(ctx, ids, `SELECT b.id, p.id, b.kind, b.enc, b.off, b.len, b.raw FROM blobs b JOIN packs p ON p.n = b.pack WHERE b.id IN `, func(rows *sql.Rows) error {
		var l loc
		var id, pack []byte
		if err := rows.Scan(&id, &pack, &l.Kind, &l.Enc, &l.Offset, &l.Length, &l.RawLen); err != nil {
			return err
		}
		copy(l.ID[:], id)
		copy(l.pack[:], pack)
		found[l.ID] = l
		return nil
	})
	return found, err
}

// inBatches runs query, which ends in "IN ", with ids as its list, 500 at a time (under
// SQLite's bound on parameters), and calls row for each row.
func (s *Store) inBatches(ctx context.Context, ids []backup.ID, query string, row func(*sql.Rows) error) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i := range n {
			args[i] = ids[i][:]
		}
		rows, err := s.db.QueryContext(ctx, query+`(?`+strings.Repeat(",?", n-1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("backup index: %w", err)
		}
		for rows.Next() {
			if err := row(rows); err != nil {
				rows.Close()
				return fmt.Errorf("backup index: %w", err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("backup index: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

// addPack records a pack and its blobs. A blob already stored in another pack keeps its
// place; the new copy is garbage for the collector.
func (s *Store) addPack(ctx context.Context, name backup.ID, size int64, created int64, entries []backup.Entry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("backup index: %w", err)
	}
	defer tx.Rollback()
	var n int64
	err = tx.QueryRowContext(ctx, `INSERT INTO packs(id, size, created) VALUES(?, ?, ?) ON CONFLICT(id) DO UPDATE SET size = excluded.size RETURNING n`, name[:], size, created).Scan(&n)
	if err != nil {
		return fmt.Errorf("backup index: %w", err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO blobs(id, pack, kind, enc, off, len, raw) VALUES(?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("backup index: %w", err)
	}
	for _, e := range entries {
		if _, err := st.ExecContext(ctx, e.ID[:], n, e.Kind, e.Enc, e.Offset, e.Length, e.RawLen); err != nil {
			return fmt.Errorf("backup index: %w", err)
		}
	}
	return tx.Commit()
}

type packRow struct {
	n       int64
	id      backup.ID
	size    int64
	created int64
}

func (s *Store) packs(ctx context.Context) ([]packRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT n, id, size, created FROM packs ORDER BY n`)
	if err != nil {
		return nil, fmt.Errorf("backup index: %w", err)
	}
	defer rows.Close()
	var out []packRow
	for rows.Next() {
		var p packRow
		var id []byte
		if err := rows.Scan(&p.n, &id, &p.size, &p.created); err != nil {
			return nil, err
		}
		copy(p.id[:], id)
		out = append(out, p)
	}
	return out, rows.Err()
}

// dropPack forgets a pack and every blob the index places in it.
func (s *Store) dropPack(ctx context.Context, n int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE pack = ?`, n); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM packs WHERE n = ?`, n); err != nil {
		return err
	}
	return tx.Commit()
}
