package catalog

import (
	"context"
	"fmt"
	"time"
)

// Version is an earlier content of a file, kept after an overwrite or delete.
type Version struct {
	ID      int64
	Path    string
	Gen     uint64
	Size    int64
	ModTime time.Time
	Hash    []byte
	Retired time.Time // when it stopped being the current content
	Copies  []string
}

const versionCols = "v.id, v.path, v.gen, v.size, v.mtime_ns, v.hash, v.retired_ns, v.copies"

func (tx *Tx) versions(ctx context.Context, query string, args ...any) ([]Version, error) {
	_, ids, err := tx.nums(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.QueryContext(ctx, "SELECT "+versionCols+" FROM versions v "+query, args...)
	if err != nil {
		return nil, fmt.Errorf("read versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var mtime, retired, copies int64
		if err := rows.Scan(&v.ID, &v.Path, &v.Gen, &v.Size, &mtime, &v.Hash, &retired, &copies); err != nil {
			return nil, fmt.Errorf("read versions: %w", err)
		}
		v.ModTime, v.Retired = nsTime(mtime), nsTime(retired)
		v.Copies = drivesOf(copies, ids)
		out = append(out, v)
	}
	return out, rows.Err()
}

// Versions lists the kept versions of path, newest first.
func (tx *Tx) Versions(ctx context.Context, path string) ([]Version, error) {
	return tx.versions(ctx, "WHERE v.path = ? ORDER BY v.gen DESC", path)
}

// VersionsBelow lists the kept versions of every file below folder, newest first.
func (tx *Tx) VersionsBelow(ctx context.Context, folder string) ([]Version, error) {
	return tx.versions(ctx, "WHERE v.path >= ? AND v.path < ? ORDER BY v.path, v.gen DESC", folder+"/", folder+"0")
}

// AllVersions lists every kept version, by path and newest first.
func (tx *Tx) AllVersions(ctx context.Context) ([]Version, error) {
	return tx.versions(ctx, "ORDER BY v.path, v.gen DESC")
}

// VersionCount is how many versions are kept.
func (tx *Tx) VersionCount(ctx context.Context) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, "SELECT count(*) FROM versions").Scan(&n)
	return n, err
}

// AddVersion records a kept version on the given drives (merging with what is known).
func (tx *Tx) AddVersion(ctx context.Context, v Version) error {
	m, err := tx.mask(ctx, v.Copies)
	if err != nil {
		return fmt.Errorf("record version of %s: %w", v.Path, err)
	}
	_, err = tx.q.ExecContext(ctx, `INSERT INTO versions(path, gen, size, mtime_ns, hash, retired_ns, copies) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(path, gen) DO UPDATE SET retired_ns = min(retired_ns, excluded.retired_ns), copies = copies | excluded.copies`,
		v.Path, v.Gen, v.Size, timeNS(v.ModTime), v.Hash, timeNS(v.Retired), m)
	if err != nil {
		return fmt.Errorf("record version of %s: %w", v.Path, err)
	}
	return nil
}

// RemoveVersionCopy forgets one copy of a version, and the version when none is left.
func (tx *Tx) RemoveVersionCopy(ctx context.Context, id int64, drive string) error {
	bit, err := tx.bit(ctx, drive)
	if err != nil {
		return err
	}
	if _, err := tx.q.ExecContext(ctx, "UPDATE versions SET copies = copies & ~? WHERE id = ?", bit, id); err != nil {
		return err
	}
	_, err = tx.q.ExecContext(ctx, "DELETE FROM versions WHERE id = ? AND copies = 0", id)
	return err
}

// DeleteVersion forgets a version.
func (tx *Tx) DeleteVersion(ctx context.Context, id int64) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM versions WHERE id = ?", id)
	return err
}

// Damaged is a file whose every copy failed its check.
type Damaged struct {
	Path   string
	Reason string
	Found  time.Time
}

// SetDamaged records (or with reason "" clears) a damaged file.
func (tx *Tx) SetDamaged(ctx context.Context, path, reason string, at time.Time) error {
	if reason == "" {
		defer tx.wrote()
		_, err := tx.stmt(ctx, tx.c.hot.clearDamaged).ExecContext(ctx, path)
		return err
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO damaged(path, reason, found_ns) VALUES(?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET reason = excluded.reason`, path, reason, timeNS(at))
	return err
}

// DamagedFiles lists the damaged files.
func (tx *Tx) DamagedFiles(ctx context.Context) ([]Damaged, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT path, reason, found_ns FROM damaged ORDER BY path")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Damaged
	for rows.Next() {
		var d Damaged
		var at int64
		if err := rows.Scan(&d.Path, &d.Reason, &at); err != nil {
			return nil, err
		}
		d.Found = nsTime(at)
		out = append(out, d)
	}
	return out, rows.Err()
}
