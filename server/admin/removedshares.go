package admin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
)

// ErrBackupsShare: the Backups share holds the PCs' backups; it is never removed (delete
// backups, or let the cleanup do it, instead).
var ErrBackupsShare = errors.New("the Backups folder holds the computers' backups and cannot be removed")

// RemoveShare removes a shared folder recoverably: it disappears for everyone and its
// access goes with it, but its files stay on the drives, duplicated and checked, until
// RestoreShare brings it back (with the same access) or the pool purges it after
// pool.Options.RemovedSharesKeep (30 days). A user's own folder may be removed too.
func (l Local) RemoveShare(ctx context.Context, name string) error {
	if strings.EqualFold(name, backupstore.Share) {
		return ErrBackupsShare
	}
	// The access goes in the same catalog transaction as the share, and the pool records
	// both on the drives (auth keeps no copy of the access table to tell).
	return l.Pool.RemoveShare(ctx, name)
}

// RemovedShares lists the removed shares still kept, with when each is purged.
func (l Local) RemovedShares(ctx context.Context) ([]pool.RemovedShare, error) {
	return l.Pool.RemovedShares(ctx)
}

// RestoreShare brings a removed share back with the access its users had.
func (l Local) RestoreShare(ctx context.Context, name string) (pool.ShareInfo, error) {
	return l.Pool.RestoreShare(ctx, name)
}

// PurgeShare deletes a removed share for good now, instead of when its time is up.
func (l Local) PurgeShare(ctx context.Context, name string) error {
	if err := l.Pool.PurgeShare(ctx, name); err != nil {
		return fmt.Errorf("delete the removed folder %s: %w", name, err)
	}
	return nil
}
