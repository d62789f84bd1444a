package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Entry is a file or folder of the pool's namespace.
type Entry struct {
	ID      int64
	Path    string
	Dir     bool
	Size    int64
	ModTime time.Time
	Hash    []byte // BLAKE3-256 of the content; files only
	Gen     uint64 // generation at which it came to be at this path
	Copies  []string
}

const entryCols = `e.id, e.path, e.dir, e.size, e.mtime_ns, e.hash, e.gen,
	coalesce((SELECT group_concat(drive, ',') FROM copies WHERE entry = e.id), '')`

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var mtime int64
	var copies string
	if err := row.Scan(&e.ID, &e.Path, &e.Dir, &e.Size, &mtime, &e.Hash, &e.Gen, &copies); err != nil {
		return e, err
	}
	e.ModTime = nsTime(mtime)
	if copies != "" {
		e.Copies = strings.Split(copies, ",")
	}
	return e, nil
}

func (tx *Tx) entries(ctx context.Context, query string, args ...any) ([]Entry, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+entryCols+" FROM entries e "+query, args...)
	if err != nil {
		return nil, fmt.Errorf("read file index: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("read file index: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Entry reads one path; ErrNotFound when it is not in the index.
func (tx *Tx) Entry(ctx context.Context, path string) (Entry, error) {
	e, err := scanEntry(tx.q.QueryRowContext(ctx, "SELECT "+entryCols+" FROM entries e WHERE e.path = ?", path))
	if errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("read %s from the index: %w", path, err)
	}
	return e, nil
}

// Children lists the direct contents of a folder, by name.
func (tx *Tx) Children(ctx context.Context, dir string) ([]Entry, error) {
	return tx.entries(ctx, "WHERE e.parent = ? ORDER BY e.path", dir)
}

// Tree lists path and everything below it, parents before children.
func (tx *Tx) Tree(ctx context.Context, path string) ([]Entry, error) {
	return tx.entries(ctx, "WHERE e.path = ? OR (e.path >= ? AND e.path < ?) ORDER BY e.path", path, path+"/", path+"0")
}

// Files returns up to limit files with id > after, in id order, for passes over the whole
// index (scrub, repair) that must not hold a transaction for long. With prefix set only
// files below that folder come.
func (tx *Tx) Files(ctx context.Context, prefix string, after int64, limit int) ([]Entry, error) {
	if prefix == "" {
		return tx.entries(ctx, "WHERE e.dir = 0 AND e.id > ? ORDER BY e.id LIMIT ?", after, limit)
	}
	return tx.entries(ctx, "WHERE e.dir = 0 AND e.id > ? AND e.path >= ? AND e.path < ? ORDER BY e.id LIMIT ?",
		after, prefix+"/", prefix+"0", limit)
}

// FilesOnDrive returns up to limit files with a copy on drive and id > after.
func (tx *Tx) FilesOnDrive(ctx context.Context, drive string, after int64, limit int) ([]Entry, error) {
	return tx.entries(ctx, "JOIN copies c ON c.entry = e.id WHERE c.drive = ? AND e.id > ? ORDER BY e.id LIMIT ?", drive, after, limit)
}

// Dirs lists every folder, parents before children.
func (tx *Tx) Dirs(ctx context.Context) ([]Entry, error) {
	return tx.entries(ctx, "WHERE e.dir = 1 ORDER BY e.path")
}

// PutEntry adds or replaces the entry at e.Path, with exactly e.Copies as its copies, and
// returns its id.
func (tx *Tx) PutEntry(ctx context.Context, e Entry) (int64, error) {
	var id int64
	err := tx.q.QueryRowContext(ctx, `INSERT INTO entries(path, parent, dir, size, mtime_ns, hash, gen) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET dir = excluded.dir, size = excluded.size, mtime_ns = excluded.mtime_ns,
			hash = excluded.hash, gen = excluded.gen
		RETURNING id`, e.Path, parentOf(e.Path), e.Dir, e.Size, timeNS(e.ModTime), e.Hash, e.Gen).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("index %s: %w", e.Path, err)
	}
	return id, tx.SetCopies(ctx, id, e.Copies)
}

// SetCopies replaces the list of drives holding a copy of entry id.
func (tx *Tx) SetCopies(ctx context.Context, id int64, drives []string) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM copies WHERE entry = ?", id); err != nil {
		return fmt.Errorf("index copies: %w", err)
	}
	for _, d := range drives {
		if _, err := tx.q.ExecContext(ctx, "INSERT OR IGNORE INTO copies(entry, drive) VALUES(?, ?)", id, d); err != nil {
			return fmt.Errorf("index copies: %w", err)
		}
	}
	return nil
}

// AddCopy records one more copy of entry id.
func (tx *Tx) AddCopy(ctx context.Context, id int64, drive string) error {
	_, err := tx.q.ExecContext(ctx, "INSERT OR IGNORE INTO copies(entry, drive) VALUES(?, ?)", id, drive)
	return err
}

// RemoveCopy forgets the copy of entry id on drive.
func (tx *Tx) RemoveCopy(ctx context.Context, id int64, drive string) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM copies WHERE entry = ? AND drive = ?", id, drive)
	return err
}

// SetModTime changes the recorded modification time of path.
func (tx *Tx) SetModTime(ctx context.Context, path string, t time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE entries SET mtime_ns = ? WHERE path = ?", timeNS(t), path)
	return err
}

// TouchParent sets the modification time of the folder holding path to t, as a
// filesystem does when a folder's contents change.
func (tx *Tx) TouchParent(ctx context.Context, path string, t time.Time) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE entries SET mtime_ns = max(mtime_ns, ?) WHERE path = ? AND dir = 1", timeNS(t), parentOf(path))
	return err
}

// DeleteTree removes path and everything below it from the index.
func (tx *Tx) DeleteTree(ctx context.Context, path string) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM entries WHERE path = ? OR (path >= ? AND path < ?)", path, path+"/", path+"0")
	if err != nil {
		return fmt.Errorf("unindex %s: %w", path, err)
	}
	return nil
}

// RenameTree moves path and everything below it to to, and gives the moved item itself
// generation gen (the items below keep theirs: they came to be under it).
func (tx *Tx) RenameTree(ctx context.Context, from, to string, gen uint64) error {
	n := len(from) + 1
	_, err := tx.q.ExecContext(ctx, `UPDATE entries SET
			path = ? || substr(path, ?),
			parent = CASE WHEN path = ? THEN ? ELSE ? || substr(parent, ?) END,
			gen = CASE WHEN path = ? THEN ? ELSE gen END
		WHERE path = ? OR (path >= ? AND path < ?)`,
		to, n, from, parentOf(to), to, n, from, gen, from, from+"/", from+"0")
	if err != nil {
		return fmt.Errorf("move %s to %s in the index: %w", from, to, err)
	}
	return nil
}

// Totals counts the index.
type Totals struct {
	Files, Dirs, Bytes int64
}

// Totals counts files, folders and bytes below prefix ("" for the whole pool).
func (tx *Tx) Totals(ctx context.Context, prefix string) (Totals, error) {
	var t Totals
	q := "SELECT coalesce(sum(dir = 0), 0), coalesce(sum(dir), 0), coalesce(sum(size), 0) FROM entries"
	args := []any{}
	if prefix != "" {
		q += " WHERE path >= ? AND path < ?"
		args = append(args, prefix+"/", prefix+"0")
	}
	err := tx.q.QueryRowContext(ctx, q, args...).Scan(&t.Files, &t.Dirs, &t.Bytes)
	return t, err
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}
