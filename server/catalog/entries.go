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
	Path    string
	Dir     bool
	Size    int64
	ModTime time.Time
	Hash    []byte // BLAKE3-256 of the content; files only
	Gen     uint64 // generation at which it came to be at this path
	Copies  []string
}

const entryCols = "path, dir, size, mtime_ns, hash, gen, copies"

func (tx *Tx) entries(ctx context.Context, query string, args ...any) ([]Entry, error) {
	_, ids, err := tx.nums(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := tx.q.QueryContext(ctx, "SELECT "+entryCols+" FROM entries "+query, args...)
	if err != nil {
		return nil, fmt.Errorf("read file index: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows, ids)
		if err != nil {
			return nil, fmt.Errorf("read file index: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEntry(row interface{ Scan(...any) error }, ids map[uint]string) (Entry, error) {
	var e Entry
	var mtime, copies int64
	if err := row.Scan(&e.Path, &e.Dir, &e.Size, &mtime, &e.Hash, &e.Gen, &copies); err != nil {
		return e, err
	}
	e.ModTime = nsTime(mtime)
	e.Copies = drivesOf(copies, ids)
	return e, nil
}

// Entry reads one path; ErrNotFound when it is not in the index.
func (tx *Tx) Entry(ctx context.Context, path string) (Entry, error) {
	// Outside a transaction a recent read may answer (entrycache.go); inside one, the
	// transaction's own writes must show.
	cached := tx.tx == nil
	if cached {
		if e, ok := tx.c.cache.get(path); ok {
			return e, nil
		}
	}
	epoch := tx.c.cache.epoch.Load()
	_, ids, err := tx.nums(ctx)
	if err != nil {
		return Entry{}, err
	}
	// A point lookup is over in microseconds: not worth a goroutine watching ctx.
	e, err := scanEntry(tx.stmt(ctx, tx.c.entry).QueryRowContext(context.WithoutCancel(ctx), path), ids)
	if err == nil && cached {
		tx.c.cache.put(e, epoch)
	}
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
	return tx.entries(ctx, "WHERE parent = ? ORDER BY path", dir)
}

// ChildrenAfter lists at most limit entries of a folder whose paths sort after after: one
// page of a long folder. The folder index holds (parent, path), so a page costs its size.
func (tx *Tx) ChildrenAfter(ctx context.Context, dir, after string, limit int) ([]Entry, error) {
	return tx.entries(ctx, "WHERE parent = ? AND path > ? ORDER BY path LIMIT ?", dir, after, limit)
}

// Tree lists path and everything below it, parents before children.
func (tx *Tx) Tree(ctx context.Context, path string) ([]Entry, error) {
	return tx.entries(ctx, "WHERE path = ? OR (path >= ? AND path < ?) ORDER BY path", path, path+"/", path+"0")
}

// Files returns up to limit files with a path after after, in path order, for passes
// over the whole index (scrub, repair) that must not hold a transaction for long. With
// prefix set only files below that folder come.
func (tx *Tx) Files(ctx context.Context, prefix, after string, limit int) ([]Entry, error) {
	if prefix == "" {
		return tx.entries(ctx, "WHERE path > ? AND dir = 0 ORDER BY path LIMIT ?", after, limit)
	}
	return tx.entries(ctx, "WHERE path > ? AND path >= ? AND path < ? AND dir = 0 ORDER BY path LIMIT ?",
		after, prefix+"/", prefix+"0", limit)
}

// FilesOnDrive returns up to limit files with a copy on drive and a path after after.
func (tx *Tx) FilesOnDrive(ctx context.Context, drive, after string, limit int) ([]Entry, error) {
	bit, err := tx.bit(ctx, drive)
	if err != nil {
		return nil, err
	}
	return tx.entries(ctx, "WHERE path > ? AND copies & ? != 0 ORDER BY path LIMIT ?", after, bit, limit)
}

// Dirs lists every folder, parents before children.
func (tx *Tx) Dirs(ctx context.Context) ([]Entry, error) {
	return tx.entries(ctx, "WHERE dir = 1 ORDER BY path")
}

const upsertEntry = `INSERT INTO entries(path, parent, dir, size, mtime_ns, hash, gen, copies) VALUES %s
	ON CONFLICT(path) DO UPDATE SET dir = excluded.dir, size = excluded.size, mtime_ns = excluded.mtime_ns,
		hash = excluded.hash, gen = excluded.gen, copies = excluded.copies`

// putChunk is how many entries PutEntries puts with one statement.
const putChunk = 200

// upsertNumbered is upsertEntry for a bulk load, which numbers the entries for search
// itself (bulknames.go); an entry there already keeps its number.
const upsertNumbered = `INSERT INTO entries(path, parent, dir, size, mtime_ns, hash, gen, copies, sid) VALUES %s
	ON CONFLICT(path) DO UPDATE SET dir = excluded.dir, size = excluded.size, mtime_ns = excluded.mtime_ns,
		hash = excluded.hash, gen = excluded.gen, copies = excluded.copies`

// PutEntry adds or replaces the entry at e.Path, with exactly e.Copies as its copies.
func (tx *Tx) PutEntry(ctx context.Context, e Entry) error {
	ctx = context.WithoutCancel(ctx) // a short statement: a cancellable context costs a goroutine
	m, err := tx.mask(ctx, e.Copies)
	if err != nil {
		return fmt.Errorf("index %s: %w", e.Path, err)
	}
	defer tx.wrote()
	if _, err := tx.stmt(ctx, tx.c.hot.putEntry).ExecContext(ctx, e.Path, parentOf(e.Path), e.Dir, e.Size, timeNS(e.ModTime), e.Hash, e.Gen, m); err != nil {
		return fmt.Errorf("index %s: %w", e.Path, err)
	}
	return nil
}

// PutEntries adds or replaces many entries, each with exactly its Copies. Rows go many
// to a statement: a rebuild writes a row per file and must keep up with the walk.
func (tx *Tx) PutEntries(ctx context.Context, es []Entry) error {
	// The statements are short; a cancellable context would cost a goroutine each.
	ctx = context.WithoutCancel(ctx)
	for len(es) > 0 {
		n := min(putChunk, len(es))
		var vals strings.Builder
		args := make([]any, 0, 9*n)
		bulk := tx.c.bulk.Load() // a bulk load numbers the entries for search as they come
		for i, e := range es[:n] {
			m, err := tx.mask(ctx, e.Copies)
			if err != nil {
				return fmt.Errorf("index %s: %w", e.Path, err)
			}
			if i > 0 {
				vals.WriteByte(',')
			}
			args = append(args, e.Path, parentOf(e.Path), e.Dir, e.Size, timeNS(e.ModTime), e.Hash, e.Gen, m)
			if bulk == nil {
				vals.WriteString("(?,?,?,?,?,?,?,?)")
				continue
			}
			vals.WriteString("(?,?,?,?,?,?,?,?,?)")
			var sid any
			if n, ok, err := bulk.number(ctx, tx, e.Path); err != nil {
				return err
			} else if ok {
				sid = n
			}
			args = append(args, sid)
		}
		var err error
		switch {
		case n == putChunk && bulk == nil:
			_, err = tx.stmt(ctx, tx.c.hot.putChunk).ExecContext(ctx, args...)
		case n == putChunk:
			_, err = tx.stmt(ctx, tx.c.hot.putNumbered).ExecContext(ctx, args...)
		case bulk == nil:
			_, err = tx.q.ExecContext(ctx, fmt.Sprintf(upsertEntry, vals.String()), args...)
		default:
			_, err = tx.q.ExecContext(ctx, fmt.Sprintf(upsertNumbered, vals.String()), args...)
		}
		if err != nil {
			return fmt.Errorf("index files: %w", err)
		}
		es = es[n:]
	}
	return nil
}

// SetCopies replaces the list of drives holding a copy of path.
func (tx *Tx) SetCopies(ctx context.Context, path string, drives []string) error {
	m, err := tx.mask(ctx, drives)
	if err != nil {
		return err
	}
	_, err = tx.q.ExecContext(ctx, "UPDATE entries SET copies = ? WHERE path = ?", m, path)
	return err
}

// AddCopy records one more copy of path.
func (tx *Tx) AddCopy(ctx context.Context, path, drive string) error {
	bit, err := tx.bit(ctx, drive)
	if err != nil {
		return err
	}
	_, err = tx.q.ExecContext(ctx, "UPDATE entries SET copies = copies | ? WHERE path = ?", bit, path)
	return err
}

// RemoveCopy forgets the copy of path on drive.
func (tx *Tx) RemoveCopy(ctx context.Context, path, drive string) error {
	bit, err := tx.bit(ctx, drive)
	if err != nil {
		return err
	}
	_, err = tx.q.ExecContext(ctx, "UPDATE entries SET copies = copies & ~? WHERE path = ?", bit, path)
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
	defer tx.wrote()
	_, err := tx.stmt(ctx, tx.c.hot.touchParent).ExecContext(ctx, timeNS(t), parentOf(path))
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
	if b := tx.c.bulk.Load(); b != nil {
		b.moved.Store(true) // numbers may have left their share's range: checked at the end
	}
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
	if prefix == "" { // the whole index: from the counters, not a walk
		err := tx.q.QueryRowContext(ctx, "SELECT coalesce(sum(files), 0), coalesce(sum(dirs), 0), coalesce(sum(bytes), 0) FROM entry_counts").Scan(&t.Files, &t.Dirs, &t.Bytes)
		return t, err
	}
	if !strings.Contains(prefix, "/") {
		// A share: from its counters too (listing the shares, which every search from
		// the command line does, walked a million entries), less its own folder.
		err := tx.q.QueryRowContext(ctx, `SELECT coalesce(sum(files), 0) - coalesce((SELECT dir = 0 FROM entries WHERE path = ?1), 0),
				coalesce(sum(dirs), 0) - coalesce((SELECT dir != 0 FROM entries WHERE path = ?1), 0),
				coalesce(sum(bytes), 0) - coalesce((SELECT size FROM entries WHERE path = ?1), 0)
			FROM entry_counts WHERE share = ?1`, prefix).Scan(&t.Files, &t.Dirs, &t.Bytes)
		return t, err
	}
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
