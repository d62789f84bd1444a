package repo

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/backup"
)

// ServerPolicy is what a server backup keeps unless told otherwise, after Synology's
// Smart Recycle for runs once a day: the last 3, one a day for a month, one a week for
// a year, one a month for three years.
var ServerPolicy = backup.Policy{Last: 3, Daily: 31, Weekly: 52, Monthly: 36}

// Forget deletes the snapshots policy lets go (each group of shares judged alone, the
// newest always kept) and returns them. Their data stays until Prune.
func (r *Repo) Forget(ctx context.Context, policy backup.Policy, loc *time.Location) ([]Entry, error) {
	snaps, err := r.Snapshots(ctx)
	if err != nil {
		// A record that cannot be read could be the newest: judging without it could
		// let go what it would have kept.
		return nil, fmt.Errorf("apply the retention rule: %w", err)
	}
	cands := make([]backup.Candidate, len(snaps))
	for i, s := range snaps {
		cands[i] = backup.Candidate{Time: s.Time, Paths: s.Paths}
	}
	var gone []Entry
	for i, v := range policy.Apply(cands, loc) {
		if v.Keep {
			continue
		}
		if err := r.st.Delete(ctx, snapshotName(snaps[i].ID)); err != nil {
			return gone, fmt.Errorf("let a backup go: %w", err)
		}
		gone = append(gone, snaps[i])
	}
	return gone, nil
}

// PruneReport says what Prune freed.
type PruneReport struct {
	Packs int
	Bytes int64
}

// Prune deletes the packs none of whose blobs a snapshot needs. A pack some of whose
// blobs are still needed is kept whole (packs are never rewritten). Nothing is deleted
// unless every snapshot and every folder listing beneath them could be read: what is
// needed must be known whole. Each pack's index file goes before the pack, so a prune
// cut off midway leaves at worst a pack without one, which the next open indexes again.
func (r *Repo) Prune(ctx context.Context) (PruneReport, error) {
	snaps, err := r.Snapshots(ctx)
	if err != nil {
		return PruneReport{}, fmt.Errorf("clean up the backup: %w", err)
	}
	used := map[backup.ID]bool{}
	for _, s := range snaps {
		if err := r.mark(ctx, s.Tree, used); err != nil {
			return PruneReport{}, fmt.Errorf("clean up the backup: %w", err)
		}
	}
	r.mu.Lock()
	var unused []backup.ID
	for pack, ids := range r.contents {
		needed := false
		for _, id := range ids {
			if used[id] {
				needed = true
				break
			}
		}
		if !needed {
			unused = append(unused, pack)
		}
	}
	r.mu.Unlock()
	var rep PruneReport
	for _, pack := range unused {
		for _, name := range []string{indexName(pack), packName(pack)} {
			if err := r.st.Delete(ctx, name); err != nil {
				return rep, fmt.Errorf("clean up the backup: %w", err)
			}
		}
		rep.Bytes += r.drop(pack)
		rep.Packs++
	}
	return rep, nil
}

// mark adds a tree, the trees beneath it and every file piece they name to used.
func (r *Repo) mark(ctx context.Context, tree backup.ID, used map[backup.ID]bool) error {
	if used[tree] {
		return nil
	}
	data, err := r.Blob(ctx, tree)
	if err != nil {
		return err
	}
	t, err := backup.DecodeTree(data)
	if err != nil {
		return err
	}
	used[tree] = true
	for _, n := range t.Nodes {
		for _, c := range n.Content {
			used[c.ID] = true
		}
		if n.Subtree != nil {
			if err := r.mark(ctx, *n.Subtree, used); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// drop forgets a deleted pack and returns its size.
func (r *Repo) drop(pack backup.ID) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	size := r.packs[pack]
	for _, id := range r.contents[pack] {
		if w, ok := r.blobs[id]; ok && w.pack == pack {
			delete(r.blobs, id)
		}
	}
	delete(r.contents, pack)
	delete(r.packs, pack)
	r.recent = nil
	return size
}
