package catalog

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// BlockSums are the CRC-32C checksums of a content's blocks of 1<<Shift bytes, the last
// one shorter. A read checks every block against them before returning it.
type BlockSums struct {
	Shift uint8
	CRCs  []uint32
}

// BlockSums reads the checksums of the content with BLAKE3 hash; ErrNotFound when the
// index has none (a file from before they were kept, or found on a drive).
func (tx *Tx) BlockSums(ctx context.Context, hash []byte) (BlockSums, error) {
	var s BlockSums
	var raw []byte
	err := tx.q.QueryRowContext(ctx, "SELECT shift, crcs FROM block_sums WHERE hash = ?", hash).Scan(&s.Shift, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("read block checksums: %w", err)
	}
	if len(raw)%4 != 0 {
		return s, fmt.Errorf("read block checksums: %d bytes is not a list of CRCs", len(raw))
	}
	s.CRCs = make([]uint32, len(raw)/4)
	for i := range s.CRCs {
		s.CRCs[i] = binary.BigEndian.Uint32(raw[4*i:])
	}
	return s, nil
}

// PutBlockSums records the checksums of the content with BLAKE3 hash.
func (tx *Tx) PutBlockSums(ctx context.Context, hash []byte, s BlockSums) error {
	raw := make([]byte, 4*len(s.CRCs))
	for i, c := range s.CRCs {
		binary.BigEndian.PutUint32(raw[4*i:], c)
	}
	_, err := tx.q.ExecContext(ctx, `INSERT INTO block_sums(hash, shift, crcs) VALUES(?, ?, ?)
		ON CONFLICT(hash) DO UPDATE SET shift = excluded.shift, crcs = excluded.crcs`, hash, s.Shift, raw)
	if err != nil {
		return fmt.Errorf("save block checksums: %w", err)
	}
	return nil
}

// PruneBlockSums forgets the checksums of contents no file or kept version has any more.
func (tx *Tx) PruneBlockSums(ctx context.Context) (int64, error) {
	// The subquery is not correlated: SQLite builds its set once.
	res, err := tx.q.ExecContext(ctx, `DELETE FROM block_sums WHERE hash NOT IN (
		SELECT hash FROM entries WHERE hash IS NOT NULL UNION SELECT hash FROM versions WHERE hash IS NOT NULL)`)
	if err != nil {
		return 0, fmt.Errorf("prune block checksums: %w", err)
	}
	return res.RowsAffected()
}

// BadCopy is a copy of a file, at one generation, that failed its checksum on a drive.
type BadCopy struct {
	Drive  string
	Path   string
	Gen    uint64
	Found  time.Time
	Healed time.Time // zero while the copy waits to be healed
}

// AddBadCopy records a bad copy waiting to be healed; one recorded already keeps the
// time it was first found.
func (tx *Tx) AddBadCopy(ctx context.Context, b BadCopy) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO bad_copies(drive, path, gen, found_ns, healed_ns) VALUES(?, ?, ?, ?, 0)
		ON CONFLICT(drive, path, gen) DO UPDATE SET healed_ns = 0`, b.Drive, b.Path, b.Gen, timeNS(b.Found))
	if err != nil {
		return fmt.Errorf("record a bad copy of %s: %w", b.Path, err)
	}
	return nil
}

// PendingBadCopies lists the bad copies not healed yet, oldest first.
func (tx *Tx) PendingBadCopies(ctx context.Context) ([]BadCopy, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT drive, path, gen, found_ns FROM bad_copies WHERE healed_ns = 0 ORDER BY found_ns")
	if err != nil {
		return nil, fmt.Errorf("list bad copies: %w", err)
	}
	defer rows.Close()
	var out []BadCopy
	for rows.Next() {
		var b BadCopy
		var found int64
		if err := rows.Scan(&b.Drive, &b.Path, &b.Gen, &found); err != nil {
			return nil, fmt.Errorf("list bad copies: %w", err)
		}
		b.Found = nsTime(found)
		out = append(out, b)
	}
	return out, rows.Err()
}

// SetBadCopyHealed records that a bad copy was rewritten from a good one, or is gone.
func (tx *Tx) SetBadCopyHealed(ctx context.Context, drive, path string, gen uint64, at time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE bad_copies SET healed_ns = ? WHERE drive = ? AND path = ? AND gen = ?",
		timeNS(at), drive, path, gen)
	if err != nil {
		return fmt.Errorf("record a healed copy of %s: %w", path, err)
	}
	return nil
}

// BadCopiesSince counts, by drive, the bad copies found since t, healed or not.
func (tx *Tx) BadCopiesSince(ctx context.Context, t time.Time) (map[string]int, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT drive, count(*) FROM bad_copies WHERE found_ns >= ? GROUP BY drive", timeNS(t))
	if err != nil {
		return nil, fmt.Errorf("count bad copies: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var d string
		var n int
		if err := rows.Scan(&d, &n); err != nil {
			return nil, fmt.Errorf("count bad copies: %w", err)
		}
		out[d] = n
	}
	return out, rows.Err()
}

// PruneBadCopies forgets healed bad copies found before t.
func (tx *Tx) PruneBadCopies(ctx context.Context, t time.Time) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM bad_copies WHERE healed_ns != 0 AND found_ns < ?", timeNS(t))
	return err
}

// FilesWithoutSums returns up to limit files larger than minSize, with a path after
// after, whose content has no block checksums, in path order.
func (tx *Tx) FilesWithoutSums(ctx context.Context, minSize int64, after string, limit int) ([]Entry, error) {
	return tx.entries(ctx, `WHERE path > ? AND dir = 0 AND size > ? AND NOT EXISTS
		(SELECT 1 FROM block_sums s WHERE s.hash = entries.hash) ORDER BY path LIMIT ?`, after, minSize, limit)
}
