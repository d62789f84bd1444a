package pool

import (
	"context"
	"errors"
	"time"

	"github.com/hearth-home/hearth/server/catalog"

	"golang.org/x/sync/errgroup"
)

// Run does the pool's background work until ctx is done: drive checks, repair, scheduled
// scrubs and version pruning. It returns nil when ctx ends.
func (p *Pool) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return p.runMonitor(ctx) })
	g.Go(func() error { return p.runRepairer(ctx) })
	g.Go(func() error { return p.runScheduler(ctx) })
	g.Go(func() error { return p.runLearner(ctx) })
	return g.Wait()
}

// runLearner makes the block checksums files lack, at start and daily: it reads their
// copies in the background (throttled), which can take hours on a pool from before they
// were kept, so it runs on its own.
func (p *Pool) runLearner(ctx context.Context) error {
	for {
		if err := p.learnMissingSums(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("making block checksums for older files failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(24 * time.Hour):
		}
	}
}

// runScheduler starts scrubs when they are due, prunes versions and purges removed shares
// hourly, and old records of bad copies and unused block checksums daily.
func (p *Pool) runScheduler(ctx context.Context) error {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	var pruned time.Time
	for {
		if p.now().Sub(pruned) >= 24*time.Hour {
			if err := p.pruneIntegrity(ctx); err != nil && ctx.Err() == nil {
				p.log.Warn("pruning old checksum records failed", "err", err)
			}
			pruned = p.now()
		}
		if n, err := p.PruneVersions(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("pruning previous versions failed", "err", err)
		} else if n > 0 {
			p.log.Info("old previous versions pruned", "versions", n)
		}
		if err := p.purgeRemovedShares(ctx); err != nil && ctx.Err() == nil {
			p.log.Warn("purging removed shares failed", "err", err)
		}
		if p.scrubDue(ctx) {
			if _, err := p.Scrub(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("scheduled scrub failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// scrubDue says whether the last scrub is ScrubEvery old; a pool that never scrubbed
// counts from when scrubbing was first scheduled.
func (p *Pool) scrubDue(ctx context.Context) bool {
	last, err := p.LastScrub(ctx)
	if err != nil {
		return false
	}
	if last != nil {
		return p.now().Sub(last.Finished) >= p.opt.ScrubEvery
	}
	var since time.Time
	err = p.cat.Update(ctx, func(tx *catalog.Tx) error {
		v, err := tx.Meta(ctx, metaScrubFrom)
		if errors.Is(err, catalog.ErrNotFound) {
			since = p.now()
			return tx.SetMeta(ctx, metaScrubFrom, since.Format(time.RFC3339))
		}
		if err != nil {
			return err
		}
		since, err = time.Parse(time.RFC3339, v)
		return err
	})
	return err == nil && p.now().Sub(since) >= p.opt.ScrubEvery
}
