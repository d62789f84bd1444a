package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Lock is a WebDAV lock, kept so that locks outlive a restart of the server.
type Lock struct {
	Token     string
	Root      string
	ZeroDepth bool
	Shared    bool
	OwnerXML  string
	Duration  time.Duration // negative: infinite
	Expires   time.Time     // zero: never
	// Principal is the user who took the lock ("" for a lock from before owners were
	// kept).
	Principal string
}

// PutLock records or refreshes a lock.
func (tx *Tx) PutLock(ctx context.Context, l Lock) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO locks(token, root, zero_depth, shared, owner_xml, duration_ns, expires_ns, principal) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(token) DO UPDATE SET duration_ns = excluded.duration_ns, expires_ns = excluded.expires_ns`,
		l.Token, l.Root, l.ZeroDepth, l.Shared, l.OwnerXML, int64(l.Duration), timeNS(l.Expires), l.Principal)
	if err != nil {
		return fmt.Errorf("save lock on %s: %w", l.Root, err)
	}
	return nil
}

// DeleteLock forgets a lock.
func (tx *Tx) DeleteLock(ctx context.Context, token string) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM locks WHERE token = ?", token); err != nil {
		return fmt.Errorf("remove lock: %w", err)
	}
	return nil
}

// Locks lists every recorded lock.
func (tx *Tx) Locks(ctx context.Context) ([]Lock, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT token, root, zero_depth, shared, owner_xml, duration_ns, expires_ns, principal FROM locks")
	if err != nil {
		return nil, fmt.Errorf("read locks: %w", err)
	}
	defer rows.Close()
	var out []Lock
	for rows.Next() {
		var l Lock
		var dur, exp int64
		if err := rows.Scan(&l.Token, &l.Root, &l.ZeroDepth, &l.Shared, &l.OwnerXML, &dur, &exp, &l.Principal); err != nil {
			return nil, fmt.Errorf("read locks: %w", err)
		}
		l.Duration, l.Expires = time.Duration(dur), nsTime(exp)
		out = append(out, l)
	}
	return out, rows.Err()
}

// Prop is a dead property of a file or folder: its XML name and inner XML. Principal and
// Bytes are only written: who set it, and what it counts against their limit.
type Prop struct {
	Space, Local, Lang string
	InnerXML           []byte
	Principal          string
	Bytes              int64
}

// Props returns the dead properties of path.
func (tx *Tx) Props(ctx context.Context, path string) ([]Prop, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT ns, name, lang, xml FROM props WHERE path = ?", path)
	if err != nil {
		return nil, fmt.Errorf("read properties of %s: %w", path, err)
	}
	defer rows.Close()
	var out []Prop
	for rows.Next() {
		var p Prop
		if err := rows.Scan(&p.Space, &p.Local, &p.Lang, &p.InnerXML); err != nil {
			return nil, fmt.Errorf("read properties of %s: %w", path, err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PropsInRange returns the dead properties of the entries of folder dir whose paths run
// from first to last, by path: one query for a page of a folder listing.
func (tx *Tx) PropsInRange(ctx context.Context, dir, first, last string) (map[string][]Prop, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT path, ns, name, lang, xml FROM props WHERE parent = ? AND path >= ? AND path <= ?", dir, first, last)
	if err != nil {
		return nil, fmt.Errorf("read properties in %s: %w", dir, err)
	}
	defer rows.Close()
	out := map[string][]Prop{}
	for rows.Next() {
		var path string
		var p Prop
		if err := rows.Scan(&path, &p.Space, &p.Local, &p.Lang, &p.InnerXML); err != nil {
			return nil, fmt.Errorf("read properties in %s: %w", dir, err)
		}
		out[path] = append(out[path], p)
	}
	return out, rows.Err()
}

// SetProp stores a dead property; RemoveProp removes one.
func (tx *Tx) SetProp(ctx context.Context, path string, p Prop) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO props(path, parent, ns, name, lang, xml, principal, bytes) VALUES(?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(path, ns, name) DO UPDATE SET lang = excluded.lang, xml = excluded.xml, principal = excluded.principal, bytes = excluded.bytes`,
		path, parentOf(path), p.Space, p.Local, p.Lang, p.InnerXML, p.Principal, p.Bytes)
	if err != nil {
		return fmt.Errorf("save property of %s: %w", path, err)
	}
	return nil
}

// PropBytes is what the dead properties a user set count against their limit.
func (tx *Tx) PropBytes(ctx context.Context, principal string) (int64, error) {
	var n int64
	err := tx.q.QueryRowContext(ctx, "SELECT coalesce(sum(bytes), 0) FROM props WHERE principal = ?", principal).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the properties of %s: %w", principal, err)
	}
	return n, nil
}

func (tx *Tx) RemoveProp(ctx context.Context, path, space, local string) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM props WHERE path = ? AND ns = ? AND name = ?", path, space, local)
	if err != nil {
		return fmt.Errorf("remove property of %s: %w", path, err)
	}
	return nil
}

// MoveProps carries the properties of path and everything under it to a new path. The
// suffix is cut in bytes (as a BLOB): substr on TEXT counts characters.
func (tx *Tx) MoveProps(ctx context.Context, from, to string) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE OR REPLACE props SET
		path = ?1 || CAST(substr(CAST(path AS BLOB), ?2) AS TEXT),
		parent = CASE WHEN path = ?3 THEN ?4 ELSE ?1 || CAST(substr(CAST(parent AS BLOB), ?2) AS TEXT) END
		WHERE path = ?3 OR (path >= ?5 AND path < ?6)`, to, len(from)+1, from, parentOf(to), from+"/", from+"0")
	if err != nil {
		return fmt.Errorf("move properties of %s: %w", from, err)
	}
	return nil
}

// DeleteProps removes the properties of path and everything under it.
func (tx *Tx) DeleteProps(ctx context.Context, path string) error {
	_, err := tx.q.ExecContext(ctx, "DELETE FROM props WHERE path = ? OR (path >= ? AND path < ?)", path, path+"/", path+"0")
	if err != nil {
		return fmt.Errorf("remove properties of %s: %w", path, err)
	}
	return nil
}

// Event is something the family may want to know about later, such as a failed sign-in.
type Event struct {
	At     time.Time
	Kind   string
	Source string
	Text   string
}

// AddEvent records an event.
func (tx *Tx) AddEvent(ctx context.Context, e Event) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO events(at_ns, kind, source, text) VALUES(?, ?, ?, ?)",
		timeNS(e.At), e.Kind, e.Source, e.Text)
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	return nil
}

// Events returns the newest events of a kind ("" for all), newest first.
func (tx *Tx) Events(ctx context.Context, kind string, limit int) ([]Event, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT at_ns, kind, source, text FROM events
		WHERE ? = '' OR kind = ? ORDER BY id DESC LIMIT ?`, kind, kind, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&at, &e.Kind, &e.Source, &e.Text); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.At = nsTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// peopleTables are what the catalog holds that the drives do not: users, their tokens and
// access, WebDAV locks and properties, events, the PCs' health and the sharing links. A
// rebuild carries them over (links after users: a link needs its owner).
var peopleTables = []string{"users", "tokens", "access", "locks", "props", "events", "pc_health", "alerts", "links"}

// CopyPeopleFrom copies the tables the drives cannot rebuild from the catalog file at
// path (one set aside by a rebuild). Tables that file lacks are skipped.
func (c *Catalog) CopyPeopleFrom(ctx context.Context, path string) error {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS old", "file:"+path+"?mode=ro"); err != nil {
		return fmt.Errorf("open the old catalog: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH DATABASE old")
	// Tokens of a catalog from before tokens were bound to a PC come unbound; once
	// everything is over (the PCs' health too) they are bound as schema step 7 binds
	// them. Only those not here already: the drives' copy knows the others' PCs.
	var unbound []string
	for _, t := range peopleTables {
		var n int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM old.sqlite_master WHERE type = 'table' AND name = ?", t).Scan(&n); err != nil {
			return fmt.Errorf("read the old catalog: %w", err)
		}
		if n == 0 {
			continue
		}
		cols, err := sharedColumns(ctx, conn, t)
		if err != nil {
			return err
		}
		if t == "tokens" && !strings.Contains(cols, `"pc"`) {
			if unbound, err = newTokens(ctx, conn); err != nil {
				return err
			}
		}
		if _, err := conn.ExecContext(ctx, "INSERT OR IGNORE INTO main."+t+"("+cols+") SELECT "+cols+" FROM old."+t); err != nil {
			return fmt.Errorf("carry %s over: %w", t, err)
		}
	}
	for _, id := range unbound {
		if _, err := conn.ExecContext(ctx, bindByLabel, id); err != nil {
			return fmt.Errorf("bind token %s to its PC: %w", id, err)
		}
	}
	return nil
}

// newTokens lists the ids of the old catalog's tokens that this one lacks.
func newTokens(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT id FROM old.tokens WHERE id NOT IN (SELECT id FROM main.tokens)")
	if err != nil {
		return nil, fmt.Errorf("read the old catalog's tokens: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read the old catalog's tokens: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// sharedColumns lists, for an INSERT … SELECT, the columns of table t that the old
// catalog has too: one from an older Hearth lacks the columns later steps added, which
// then keep their defaults.
func sharedColumns(ctx context.Context, conn *sql.Conn, t string) (string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT n.name FROM pragma_table_info(?1, 'main') AS n
		JOIN pragma_table_info(?1, 'old') AS o ON o.name = n.name ORDER BY n.cid`, t)
	if err != nil {
		return "", fmt.Errorf("read the columns of %s: %w", t, err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", fmt.Errorf("read the columns of %s: %w", t, err)
		}
		cols = append(cols, `"`+c+`"`)
	}
	return strings.Join(cols, ", "), rows.Err()
}
