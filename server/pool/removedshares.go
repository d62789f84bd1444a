package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

// A removed share stays where it was, on its drives and in the index, flagged removed:
// hidden from every listing, its access taken away (kept with it to give back), its
// files kept with their copies, checked and repaired like any. The flag is in the
// configuration every drive carries, so a rebuild brings it back removed. After
// RemovedSharesKeep the background work purges it.

// RemovedShare is a share removed and kept to be restored.
type RemovedShare struct {
	ShareInfo
	Removed time.Time
	// PurgeAfter is when the background work deletes it for good.
	PurgeAfter time.Time
	// Users are those whose access comes back on restore.
	Users []string
}

// RemoveShare hides a share and takes away everyone's access to it, keeping its files
// until RestoreShare brings it back or RemovedSharesKeep has passed.
func (p *Pool) RemoveShare(ctx context.Context, name string) error {
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.RemoveShare(ctx, name, p.now()) })
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%s: %w", name, ErrNoShare)
	}
	if err != nil {
		return err
	}
	p.changed()
	p.log.Info("share removed; its files are kept to be restored", "share", name, "for", p.opt.RemovedSharesKeep)
	return p.writeMirrors(ctx)
}

// RestoreShare brings a removed share back, with the access its users had.
func (p *Pool) RestoreShare(ctx context.Context, name string) (ShareInfo, error) {
	var s catalog.Share
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.RestoreShare(ctx, name); err != nil {
			return err
		}
		var err error
		s, err = tx.Share(ctx, name)
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		return ShareInfo{}, fmt.Errorf("%s: %w", name, ErrNoShare)
	}
	if err != nil {
		return ShareInfo{}, err
	}
	p.changed()
	p.log.Info("removed share restored", "share", name)
	return p.shareInfo(ctx, s), p.writeMirrors(ctx)
}

// RemovedShares lists the removed shares still kept, oldest removal first.
func (p *Pool) RemovedShares(ctx context.Context) ([]RemovedShare, error) {
	var shares []catalog.Share
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { shares, err = tx.Shares(ctx); return err }); err != nil {
		return nil, err
	}
	out := []RemovedShare{}
	for _, s := range shares {
		if s.Removed.IsZero() {
			continue
		}
		r := RemovedShare{ShareInfo: p.shareInfo(ctx, s), Removed: s.Removed, PurgeAfter: s.Removed.Add(p.opt.RemovedSharesKeep)}
		for u := range s.RemovedAccess {
			r.Users = append(r.Users, u)
		}
		out = append(out, r)
	}
	return out, nil
}

// PurgeShare deletes a removed share for good: its files (no previous versions are
// kept), its folders on every drive and its record. A live share is refused.
func (p *Pool) PurgeShare(ctx context.Context, name string) error {
	var s catalog.Share
	err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { s, err = tx.Share(ctx, name); return err })
	if errors.Is(err, catalog.ErrNotFound) || (err == nil && s.Removed.IsZero()) {
		return fmt.Errorf("%s: %w", name, ErrNoShare)
	}
	if err != nil {
		return err
	}
	forget := func(tx *catalog.Tx) error { return tx.DeleteShare(ctx, name) }
	err = p.removeTree(ctx, name, false, nil, forget)
	if errors.Is(err, ErrNotFound) { // nothing indexed under it: only the record is left
		err = p.cat.Update(ctx, forget)
	}
	if err != nil {
		return fmt.Errorf("purge share %s: %w", name, err)
	}
	p.log.Info("removed share purged", "share", name, "removed", s.Removed)
	return p.writeMirrors(ctx)
}

// purgeRemovedShares purges the removed shares kept RemovedSharesKeep.
func (p *Pool) purgeRemovedShares(ctx context.Context) error {
	rs, err := p.RemovedShares(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range rs {
		if !p.now().Before(r.PurgeAfter) {
			errs = append(errs, p.PurgeShare(ctx, r.Name))
		}
	}
	return errors.Join(errs...)
}
