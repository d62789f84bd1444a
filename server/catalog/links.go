package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Link is a sharing link: a file or folder of a share opened by whoever holds its token,
// without an account. The token is kept only as its digest.
type Link struct {
	ID      string
	Owner   string
	Digest  []byte
	Path    string // the namespace path linked: "Share/dir" or "Share/dir/file"
	Kind    string // LinkRead or LinkUpload
	Hash    string // the password's argon2id hash; "" for none
	Expires time.Time
	Created time.Time
	// MaxFiles and MaxBytes bound what an upload link takes in (0: no limit); Files and
	// Bytes are what it took in so far.
	MaxFiles, Files int64
	MaxBytes, Bytes int64
	Revoked         time.Time // zero while the link is in force
}

// The kinds of link.
const (
	LinkRead   = "read"
	LinkUpload = "upload"
)

const linkCols = "id, owner, digest, path, kind, hash, expires_ns, created_ns, max_files, max_bytes, files, bytes, revoked_ns"

func scanLink(r interface{ Scan(...any) error }) (Link, error) {
	var l Link
	var expires, created, revoked int64
	err := r.Scan(&l.ID, &l.Owner, &l.Digest, &l.Path, &l.Kind, &l.Hash, &expires, &created, &l.MaxFiles, &l.MaxBytes, &l.Files, &l.Bytes, &revoked)
	l.Expires, l.Created, l.Revoked = nsTime(expires), nsTime(created), nsTime(revoked)
	return l, err
}

// AddLink records a link.
func (tx *Tx) AddLink(ctx context.Context, l Link) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO links("+linkCols+") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		l.ID, l.Owner, l.Digest, l.Path, l.Kind, l.Hash, timeNS(l.Expires), timeNS(l.Created), l.MaxFiles, l.MaxBytes, l.Files, l.Bytes, timeNS(l.Revoked))
	if err != nil {
		return fmt.Errorf("save a link of %s: %w", l.Owner, err)
	}
	return nil
}

// LinkByDigest finds the link whose token has that digest; ErrNotFound when none has.
// The lookup goes by the digest's index: what it takes tells nothing of the token.
func (tx *Tx) LinkByDigest(ctx context.Context, digest []byte) (Link, error) {
	l, err := scanLink(tx.q.QueryRowContext(ctx, "SELECT "+linkCols+" FROM links WHERE digest = ?", digest))
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("look up a link: %w", err)
	}
	return l, nil
}

// Link reads one link by its id; ErrNotFound when there is none.
func (tx *Tx) Link(ctx context.Context, id string) (Link, error) {
	l, err := scanLink(tx.q.QueryRowContext(ctx, "SELECT "+linkCols+" FROM links WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("read link %s: %w", id, err)
	}
	return l, nil
}

// Links lists the links in force of owner ("" for everyone's), newest first.
func (tx *Tx) Links(ctx context.Context, owner string) ([]Link, error) {
	q, args := "SELECT "+linkCols+" FROM links WHERE revoked_ns = 0 ORDER BY created_ns DESC", []any{}
	if owner != "" {
		q, args = "SELECT "+linkCols+" FROM links WHERE revoked_ns = 0 AND owner = ? ORDER BY created_ns DESC", []any{owner}
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, fmt.Errorf("list links: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// RevokeLink marks a link in force revoked at now (ErrNotFound when there is none), and
// forgets links revoked before forget: by then their visitors have stopped coming.
func (tx *Tx) RevokeLink(ctx context.Context, id string, now, forget time.Time) error {
	res, err := tx.q.ExecContext(ctx, "UPDATE links SET revoked_ns = ? WHERE id = ? AND revoked_ns = 0", timeNS(now), id)
	if err != nil {
		return fmt.Errorf("revoke link %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM links WHERE revoked_ns > 0 AND revoked_ns < ?", timeNS(forget)); err != nil {
		return fmt.Errorf("forget old revoked links: %w", err)
	}
	return nil
}

// CountLinkUpload adds a file of size bytes to what link id took in.
func (tx *Tx) CountLinkUpload(ctx context.Context, id string, size int64) error {
	if _, err := tx.q.ExecContext(ctx, "UPDATE links SET files = files + 1, bytes = bytes + ? WHERE id = ?", size, id); err != nil {
		return fmt.Errorf("count an upload of link %s: %w", id, err)
	}
	return nil
}
