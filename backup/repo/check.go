package repo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/storage"
)

// Sweep removes what puts cut off by a crash left on the store (storage.Sweeper) and
// was begun before olderThan; a store that leaves nothing behind has nothing to do.
func (r *Repo) Sweep(ctx context.Context, olderThan time.Time) (int, error) {
	if sw, ok := r.st.(storage.Sweeper); ok {
		return sw.Sweep(ctx, olderThan)
	}
	return 0, nil
}

// CheckReport is what Check found. Problems are sentences for a person.
type CheckReport struct {
	Packs, Snapshots, Trees int
	// ReadBytes is how much pack data was read back (with readData).
	ReadBytes int64
	Problems  []string
}

// maxProblems bounds the problems listed; a repository gone bad would list every blob.
const maxProblems = 100

func (c *CheckReport) problem(format string, args ...any) {
	if len(c.Problems) < maxProblems {
		c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
	}
}

// Check verifies what the repository holds: every snapshot opens, and every tree and
// file piece beneath it is listed in a pack's index. With readData every pack is read
// back and checked whole: its hash against its name, each blob against its ID (an
// S3 store bills the download). Check changes nothing.
func (r *Repo) Check(ctx context.Context, readData bool) (CheckReport, error) {
	var rep CheckReport
	r.mu.Lock()
	rep.Packs = len(r.packs)
	r.mu.Unlock()
	snaps, err := r.Snapshots(ctx)
	if err != nil {
		if len(snaps) == 0 && !errors.Is(err, backup.ErrCorrupt) {
			return rep, err
		}
		rep.problem("a backup's record is damaged: %v", err)
	}
	rep.Snapshots = len(snaps)
	seen := map[backup.ID]bool{}
	for _, s := range snaps {
		r.checkTree(ctx, s.Tree, s.ID, seen, &rep)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	if readData {
		if err := r.readPacks(ctx, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// checkTree checks a tree and everything beneath it once.
func (r *Repo) checkTree(ctx context.Context, id backup.ID, snap backup.ID, seen map[backup.ID]bool, rep *CheckReport) {
	if seen[id] {
		return
	}
	seen[id] = true
	rep.Trees++
	data, err := r.Blob(ctx, id)
	if err != nil {
		rep.problem("backup %s: a folder listing cannot be read: %v", snap.Short(), err)
		return
	}
	t, err := backup.DecodeTree(data)
	if err != nil {
		rep.problem("backup %s: a folder listing is damaged: %v", snap.Short(), err)
		return
	}
	r.mu.Lock()
	for _, n := range t.Nodes {
		for _, c := range n.Content {
			if _, ok := r.blobs[c.ID]; !ok {
				rep.problem("backup %s: a piece of %s is missing", snap.Short(), n.FileName())
			}
		}
	}
	r.mu.Unlock()
	for _, n := range t.Nodes {
		if n.Subtree != nil {
			r.checkTree(ctx, *n.Subtree, snap, seen, rep)
		}
	}
}

// readPacks reads every pack back and checks it whole.
func (r *Repo) readPacks(ctx context.Context, rep *CheckReport) error {
	r.mu.Lock()
	byPack := make(map[backup.ID][]backup.Entry, len(r.packs))
	for id := range r.packs {
		byPack[id] = nil
	}
	for _, w := range r.blobs {
		byPack[w.pack] = append(byPack[w.pack], w.entry)
	}
	r.mu.Unlock()
	for id, entries := range byPack {
		data, err := r.get(ctx, packName(id))
		if errors.Is(err, storage.ErrNotFound) {
			rep.problem("pack %s is gone from the target", id.Short())
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			rep.problem("pack %s cannot be read: %v", id.Short(), err)
			continue
		}
		rep.ReadBytes += int64(len(data))
		if backup.Hash(data) != id {
			rep.problem("pack %s is damaged: its content does not match its name", id.Short())
			continue
		}
		var scratch []byte
		for _, e := range entries {
			if scratch, err = r.codec.Verify(scratch, e.ID, e.Enc, data[e.Offset:e.Offset+e.Length], int(e.RawLen)); err != nil {
				rep.problem("pack %s: %v", id.Short(), err)
			}
		}
	}
	return nil
}
