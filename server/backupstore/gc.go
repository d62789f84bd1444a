package backupstore

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/backup"
)

// GCReport says what a garbage collection did.
type GCReport struct {
	Snapshots      int
	LiveBlobs      int
	RemovedBlobs   int
	PacksDeleted   int
	PacksRewritten int
	Freed          int64 // bytes of packs deleted, less what rewriting them wrote
}

// rewriteBelow: a pack with less than this share of live bytes is rewritten.
const rewriteBelow = 0.7

// GC removes the blobs no snapshot needs (a snapshot let go counts until the grace period
// has passed). It is safe while PCs back up: what a session
// was told exists, what it sent, its parent snapshot, and every pack younger than the grace
// period are kept; the sweep itself excludes answers about which blobs exist.
func (s *Store) GC(ctx context.Context) (GCReport, error) {
	s.gc.Lock()
	defer s.gc.Unlock()
	var rep GCReport
	start := s.now()
	if err := s.dropExpired(ctx); err != nil {
		return rep, err
	}
	snaps, err := s.liveSnapshots(ctx)
	if err != nil {
		return rep, err
	}
	live := map[backup.ID]bool{}
	marked := map[backup.ID]bool{}
	for _, sn := range snaps {
		if err := s.mark(ctx, sn.Tree, live); err != nil {
			return rep, fmt.Errorf("garbage collection stopped, nothing was removed: %w", err)
		}
		marked[sn.ID] = true
	}
	rep.Snapshots = len(snaps)
	dead, err := s.sweep(ctx, start, live, marked)
	if err != nil {
		return rep, err
	}
	rep.RemovedBlobs = dead
	rep.LiveBlobs = len(live)
	if err := s.compact(ctx, start, &rep); err != nil {
		return rep, err
	}
	s.log.Info("backup garbage collection", "snapshots", rep.Snapshots, "removed_blobs", rep.RemovedBlobs,
		"packs_deleted", rep.PacksDeleted, "packs_rewritten", rep.PacksRewritten, "freed", rep.Freed)
	return rep, nil
}

// mark adds a tree and everything beneath it to live.
func (s *Store) mark(ctx context.Context, tree backup.ID, live map[backup.ID]bool) error {
	if live[tree] {
		return nil
	}
	data, _, err := s.load(ctx, tree)
	if err != nil {
		return fmt.Errorf("tree %s: %w", tree.Short(), err)
	}
	t, err := backup.DecodeTree(data)
	if err != nil {
		return err
	}
	live[tree] = true
	for _, n := range t.Nodes {
		for _, c := range n.Content {
			live[c.ID] = true
		}
		if n.Subtree != nil {
			if err := s.mark(ctx, *n.Subtree, live); err != nil {
				return err
			}
		}
	}
	return nil
}

// sweep removes dead blobs from the index, holding s.mu so no session is told a blob
// exists while it goes. Snapshots committed since the mark are marked now.
func (s *Store) sweep(ctx context.Context, start time.Time, live, marked map[backup.ID]bool) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	snaps, err := s.liveSnapshots(ctx)
	if err != nil {
		return 0, err
	}
	for _, sn := range snaps {
		if !marked[sn.ID] {
			if err := s.mark(ctx, sn.Tree, live); err != nil {
				return 0, fmt.Errorf("garbage collection stopped, nothing was removed: %w", err)
			}
		}
	}
	s.expireLocked(s.now())
	// Parents first: mark stops at a tree already live, so a kept tree marked first
	// would hide its children.
	for _, sess := range s.sessions {
		if sess.parent != nil {
			if err := s.mark(ctx, *sess.parent, live); err != nil {
				return 0, fmt.Errorf("garbage collection stopped, nothing was removed: %w", err)
			}
		}
	}
	for _, sess := range s.sessions {
		for id := range sess.keep {
			live[id] = true
		}
	}
	young := start.Add(-s.grace).Unix()
	rows, err := s.db.QueryContext(ctx, `SELECT b.id FROM blobs b JOIN packs p ON p.n = b.pack WHERE p.created < ?`, young)
	if err != nil {
		return 0, err
	}
	var dead [][]byte
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		if !live[backup.ID(id)] {
			dead = append(dead, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	for _, id := range dead {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE id = ?`, id); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	// What was complete may no longer be.
	s.complete = map[backup.ID]bool{}
	s.sweeps++
	return len(dead), nil
}
