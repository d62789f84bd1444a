package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// User is a person who may sign in. Hash is the password's encoded argon2id hash.
type User struct {
	Name    string
	Admin   bool
	Hash    string
	Created time.Time
	Changed time.Time
}

// Users lists the users by name.
func (tx *Tx) Users(ctx context.Context) ([]User, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT name, admin, hash, created_ns, changed_ns FROM users ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// User reads one user (the name compares without case); ErrNotFound when there is none.
func (tx *Tx) User(ctx context.Context, name string) (User, error) {
	u, err := scanUser(tx.q.QueryRowContext(ctx, "SELECT name, admin, hash, created_ns, changed_ns FROM users WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("read user %s: %w", name, err)
	}
	return u, nil
}

func scanUser(r interface{ Scan(...any) error }) (User, error) {
	var u User
	var created, changed int64
	err := r.Scan(&u.Name, &u.Admin, &u.Hash, &created, &changed)
	u.Created, u.Changed = nsTime(created), nsTime(changed)
	return u, err
}

// PutUser adds a user or updates one (its name keeps the case it was created with).
func (tx *Tx) PutUser(ctx context.Context, u User) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO users(name, admin, hash, created_ns, changed_ns) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET admin = excluded.admin, hash = excluded.hash, changed_ns = excluded.changed_ns`,
		u.Name, u.Admin, u.Hash, timeNS(u.Created), timeNS(u.Changed))
	if err != nil {
		return fmt.Errorf("save user %s: %w", u.Name, err)
	}
	return nil
}

// DeleteUser removes a user with their tokens and share access.
func (tx *Tx) DeleteUser(ctx context.Context, name string) error {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM users WHERE name = ?", name)
	if err != nil {
		return fmt.Errorf("remove user %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Token is a device's sign-in secret, kept only as its digest.
type Token struct {
	ID      string
	User    string
	Digest  []byte
	Label   string
	Created time.Time
	// PC is the PC the token acts for: the name its backups go under ('' for none).
	PC string
}

// AddToken records a token.
func (tx *Tx) AddToken(ctx context.Context, t Token) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO tokens(id, user, digest, label, created_ns, pc) VALUES(?, ?, ?, ?, ?, ?)",
		t.ID, t.User, t.Digest, t.Label, timeNS(t.Created), t.PC)
	if err != nil {
		return fmt.Errorf("save token for %s: %w", t.User, err)
	}
	return nil
}

// TokenByDigest finds the token with that digest; ErrNotFound when there is none.
func (tx *Tx) TokenByDigest(ctx context.Context, digest []byte) (Token, error) {
	var t Token
	var created int64
	err := tx.q.QueryRowContext(ctx, "SELECT id, user, digest, label, created_ns, pc FROM tokens WHERE digest = ?", digest).
		Scan(&t.ID, &t.User, &t.Digest, &t.Label, &created, &t.PC)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("look up token: %w", err)
	}
	t.Created = nsTime(created)
	return t, nil
}

// Tokens lists every token, newest first.
func (tx *Tx) Tokens(ctx context.Context) ([]Token, error) {
	return tx.tokens(ctx, "SELECT id, user, digest, label, created_ns, pc FROM tokens ORDER BY created_ns DESC")
}

// BindTokensByLabel binds the tokens named by ids, made before tokens were bound to a PC
// (restored from a drive's copy of an older catalog), to their label where a PC showed
// itself under that exact name, as schema step 7 binds those of an older catalog: its
// backups are in the index, or its agent reported its health as the token's user. The
// others act for no PC.
func (tx *Tx) BindTokensByLabel(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := tx.q.ExecContext(ctx, bindByLabel, id); err != nil {
			return fmt.Errorf("bind token %s to its PC: %w", id, err)
		}
	}
	return nil
}

// bindByLabel binds the token with id ?1 to its label when a PC showed itself under it (see
// BindTokensByLabel); schema step 7's rule, which stays as it was released.
const bindByLabel = `UPDATE tokens SET pc = label WHERE id = ?1 AND label <> '' AND (
	EXISTS (SELECT 1 FROM entries WHERE entries.path = 'Backups/pcs/' || tokens.label || '/pc.json')
	OR EXISTS (SELECT 1 FROM pc_health WHERE pc_health.pc = tokens.label COLLATE BINARY
		AND pc_health.owner = tokens.user COLLATE NOCASE))`

// TokensForPC lists the tokens bound to pc or to a name that differs from it only in
// case: PC names are unique without case, as Windows has them.
func (tx *Tx) TokensForPC(ctx context.Context, pc string) ([]Token, error) {
	return tx.tokens(ctx, "SELECT id, user, digest, label, created_ns, pc FROM tokens WHERE pc = ? COLLATE NOCASE ORDER BY created_ns", pc)
}

func (tx *Tx) tokens(ctx context.Context, query string, args ...any) ([]Token, error) {
	rows, err := tx.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var created int64
		if err := rows.Scan(&t.ID, &t.User, &t.Digest, &t.Label, &created, &t.PC); err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		t.Created = nsTime(created)
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken revokes a token by its id; ErrNotFound when there is none.
func (tx *Tx) DeleteToken(ctx context.Context, id string) error {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM tokens WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("remove token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// Access levels of a user on a share.
const (
	AccessNone = "none"
	AccessRead = "read"
	AccessFull = "full"
)

// SetAccess sets what user may do in share.
func (tx *Tx) SetAccess(ctx context.Context, share, user, level string) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO access(share, user, level) VALUES(?, ?, ?)
		ON CONFLICT(share, user) DO UPDATE SET level = excluded.level`, share, user, level)
	if err != nil {
		return fmt.Errorf("set access of %s to %s: %w", user, share, err)
	}
	return nil
}

// Access returns every user's level on every share: share → user → level. Users with no
// row for a share have no access to it.
func (tx *Tx) Access(ctx context.Context) (map[string]map[string]string, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT a.share, u.name, a.level FROM access a JOIN users u ON u.name = a.user")
	if err != nil {
		return nil, fmt.Errorf("read share access: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var share, user, level string
		if err := rows.Scan(&share, &user, &level); err != nil {
			return nil, fmt.Errorf("read share access: %w", err)
		}
		if out[share] == nil {
			out[share] = map[string]string{}
		}
		out[share][user] = level
	}
	return out, rows.Err()
}
