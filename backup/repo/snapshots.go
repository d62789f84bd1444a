package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/storage"
)

func snapshotName(id backup.ID) string { return "snapshots/" + id.String() }

// SaveSnapshot stores a snapshot once every blob beneath its tree is in the
// repository: a snapshot is what makes a backup exist, so it goes last.
func (r *Repo) SaveSnapshot(ctx context.Context, snap backup.Snapshot) (backup.ID, error) {
	data, id, err := backup.EncodeSnapshot(snap)
	if err != nil {
		return backup.ID{}, err
	}
	if err := r.st.Put(ctx, snapshotName(id), bytes.NewReader(data), int64(len(data))); err != nil && !errors.Is(err, storage.ErrExists) {
		return backup.ID{}, fmt.Errorf("store the backup's record: %w", err)
	}
	return id, nil
}

// Entry is a stored snapshot with its ID.
type Entry struct {
	ID backup.ID
	backup.Snapshot
}

// Snapshots returns every snapshot, oldest first. One whose content does not match its
// name is left out and reported in the error (with the rest still returned).
func (r *Repo) Snapshots(ctx context.Context) ([]Entry, error) {
	var ids []backup.ID
	if err := r.st.List(ctx, "snapshots/", func(o storage.Object) error {
		if id, err := backup.ParseID(strings.TrimPrefix(o.Name, "snapshots/")); err == nil {
			ids = append(ids, id)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list the backups: %w", err)
	}
	var out []Entry
	var errs []error
	for _, id := range ids {
		s, err := r.Snapshot(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, Entry{ID: id, Snapshot: s})
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	return out, errors.Join(errs...)
}

// Snapshot reads one snapshot, checked against its ID.
func (r *Repo) Snapshot(ctx context.Context, id backup.ID) (backup.Snapshot, error) {
	data, err := r.get(ctx, snapshotName(id))
	if err != nil {
		return backup.Snapshot{}, fmt.Errorf("backup %s: %w", id.Short(), err)
	}
	if backup.Hash(data) != id {
		return backup.Snapshot{}, fmt.Errorf("backup %s: %w: its record does not match its name", id.Short(), backup.ErrCorrupt)
	}
	return backup.DecodeSnapshot(data)
}
