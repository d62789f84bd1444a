package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Keys a folder's page is sorted by.
const (
	ByName = "name"
	BySize = "size"
	ByDate = "date"
)

// Order is how a folder's page is sorted: folders first, then by Key, names (ignoring
// the case of ASCII letters) breaking ties; Desc reverses all but folders first.
type Order struct {
	Key  string
	Desc bool
}

func (o Order) sql() string {
	dir := ""
	if o.Desc {
		dir = " DESC"
	}
	key := map[string]string{BySize: "size" + dir + ", ", ByDate: "mtime_ns" + dir + ", "}[o.Key]
	return "ORDER BY dir DESC, " + key + "path COLLATE NOCASE" + dir + ", path" + dir
}

// ChildrenSorted lists at most limit entries of a folder in order from offset, and how
// many the folder holds. SQLite sorts keeping only offset+limit rows, so a page of a
// long folder never loads the whole folder.
func (tx *Tx) ChildrenSorted(ctx context.Context, dir string, o Order, offset, limit int) ([]Entry, int, error) {
	var n int
	if err := tx.q.QueryRowContext(ctx, "SELECT count(*) FROM entries WHERE parent = ?", dir).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count %s in the index: %w", dir, err)
	}
	list, err := tx.entries(ctx, "WHERE parent = ? "+o.sql()+" LIMIT ? OFFSET ?", dir, limit, offset)
	return list, n, err
}

// Beside returns the files nearest to path on each side in its folder sorted by name
// whose names end in one of exts (any case; ".jpg"), "" where there is none: the
// previous and next picture of a slideshow, found without reading the folder whole.
func (tx *Tx) Beside(ctx context.Context, path string, exts []string) (prev, next string, err error) {
	if len(exts) == 0 {
		return "", "", nil
	}
	var like strings.Builder
	args := []any{path}
	for i, ext := range exts {
		if i > 0 {
			like.WriteString(" OR ")
		}
		like.WriteString("e.path LIKE ? ESCAPE '\\'")
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(ext))
	}
	side := func(cmp, dir string) (string, error) {
		var p string
		err := tx.q.QueryRowContext(ctx, `SELECT e.path FROM entries AS e, entries AS at
			WHERE at.path = ?1 AND e.parent = at.parent AND e.dir = 0 AND (`+like.String()+`)
				AND (e.path `+cmp+` at.path COLLATE NOCASE OR (e.path = at.path COLLATE NOCASE AND e.path `+cmp+` at.path))
			ORDER BY e.path COLLATE NOCASE `+dir+`, e.path `+dir+` LIMIT 1`, args...).Scan(&p)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		return p, err
	}
	if prev, err = side("<", "DESC"); err == nil {
		next, err = side(">", "ASC")
	}
	if err != nil {
		return "", "", fmt.Errorf("look beside %s: %w", path, err)
	}
	return prev, next, nil
}
