package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Meta reads a key of the catalog's own settings; ErrNotFound when unset.
func (tx *Tx) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

// MetaUint reads a numeric key, 0 when unset.
func (tx *Tx) MetaUint(ctx context.Context, key string) (uint64, error) {
	v, err := tx.Meta(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(v, 10, 64)
}

// SetMeta writes a key.
func (tx *Tx) SetMeta(ctx context.Context, key, value string) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, err)
	}
	return nil
}

// SetMetaUint writes a numeric key.
func (tx *Tx) SetMetaUint(ctx context.Context, key string, v uint64) error {
	return tx.SetMeta(ctx, key, strconv.FormatUint(v, 10))
}

func nsTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

func timeNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// MetaWithPrefix returns every setting whose key starts with prefix.
func (tx *Tx) MetaWithPrefix(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("read settings %s*: %w", prefix, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}
