package backupstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/pool"
)

type packUse struct {
	packRow
	live    []backup.Entry
	liveLen int64
}

// compact deletes packs nothing lives in and rewrites packs that are mostly garbage,
// gathering their live blobs into new packs.
func (s *Store) compact(ctx context.Context, start time.Time, rep *GCReport) error {
	uses, err := s.packUses(ctx)
	if err != nil {
		return err
	}
	young := start.Add(-s.grace).Unix()
	var rewrite []packUse
	for _, u := range uses {
		switch {
		case len(u.live) == 0 && u.created < young:
			if err := s.deletePack(ctx, u.packRow); err != nil {
				return err
			}
			rep.PacksDeleted++
			rep.Freed += u.size
		case u.created < young && float64(u.liveLen) < rewriteBelow*float64(u.size):
			rewrite = append(rewrite, u)
		}
	}
	for len(rewrite) > 0 {
		var batch []packUse
		var size int64
		for len(rewrite) > 0 && (size == 0 || size+rewrite[0].liveLen <= backup.PackTarget) {
			batch = append(batch, rewrite[0])
			size += rewrite[0].liveLen
			rewrite = rewrite[1:]
		}
		if err := s.rewrite(ctx, batch); err != nil {
			return err
		}
		for _, u := range batch {
			rep.PacksRewritten++
			rep.Freed += u.size
		}
		rep.Freed -= size
	}
	return nil
}

func (s *Store) packUses(ctx context.Context) ([]packUse, error) {
	packs, err := s.packs(ctx)
	if err != nil {
		return nil, err
	}
	byN := map[int64]*packUse{}
	uses := make([]packUse, len(packs))
	for i, p := range packs {
		uses[i].packRow = p
		byN[p.n] = &uses[i]
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, pack, kind, enc, off, len, raw FROM blobs`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e backup.Entry
		var id []byte
		var n int64
		if err := rows.Scan(&id, &n, &e.Kind, &e.Enc, &e.Offset, &e.Length, &e.RawLen); err != nil {
			return nil, err
		}
		copy(e.ID[:], id)
		if u := byN[n]; u != nil {
			u.live = append(u.live, e)
			u.liveLen += int64(e.Length)
		}
	}
	return uses, rows.Err()
}

func (s *Store) deletePack(ctx context.Context, p packRow) error {
	s.packMu.Lock()
	defer s.packMu.Unlock()
	s.mu.Lock()
	var left int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM blobs WHERE pack = ?`, p.n).Scan(&left)
	if err == nil && left == 0 {
		_, err = s.db.ExecContext(ctx, `DELETE FROM packs WHERE n = ?`, p.n)
	}
	s.mu.Unlock()
	if err != nil || left > 0 {
		return err
	}
	if err := s.pool.Discard(ctx, packPath(p.id)); err != nil && !errors.Is(err, pool.ErrNotFound) {
		return fmt.Errorf("delete pack %s: %w", p.id.Short(), err)
	}
	return nil
}

// rewrite copies the live blobs of some packs into one new pack, points the index at it
// and deletes the old packs. Blobs are copied as stored and checked on the way.
func (s *Store) rewrite(ctx context.Context, batch []packUse) error {
	b := backup.NewPackBuilder()
	for _, u := range batch {
		for _, e := range u.live {
			stored, err := s.readAt(ctx, u.id, int64(e.Offset), int(e.Length))
			if err != nil {
				return err
			}
			if _, err := s.codec.Expand(nil, e.ID, e.Enc, stored, int(e.RawLen)); err != nil {
				return fmt.Errorf("rewriting pack %s: %w", u.id.Short(), err)
			}
			b.Add(e.ID, e.Kind, e.Enc, stored, int(e.RawLen))
		}
	}
	data, name := b.Finish()
	entries := b.Entries()
	if err := s.mkdirs(ctx, packDir(name)); err != nil {
		return err
	}
	info, err := s.pool.WriteFile(ctx, packPath(name), bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))})
	if err != nil {
		return fmt.Errorf("store rewritten pack: %w", err)
	}
	s.packMu.Lock()
	defer s.packMu.Unlock()
	s.mu.Lock()
	err = s.movePack(ctx, name, info.Size, s.now().Unix(), batch, entries)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for _, u := range batch {
		if err := s.pool.Discard(ctx, packPath(u.id)); err != nil && !errors.Is(err, pool.ErrNotFound) {
			return fmt.Errorf("delete pack %s: %w", u.id.Short(), err)
		}
	}
	return nil
}

func (s *Store) movePack(ctx context.Context, name backup.ID, size, created int64, batch []packUse, entries []backup.Entry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO packs(id, size, created) VALUES(?, ?, ?) RETURNING n`, name[:], size, created).Scan(&n); err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, `UPDATE blobs SET pack = ?, off = ?, len = ? WHERE id = ?`, n, e.Offset, e.Length, e.ID[:]); err != nil {
			return err
		}
	}
	for _, u := range batch {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE pack = ?`, u.n); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM packs WHERE n = ?`, u.n); err != nil {
			return err
		}
	}
	return tx.Commit()
}
