package pool

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/zeebo/blake3"
)

// finishDrive ends a drive's reconcile: stale folders go, copies the index expected but
// the drive lacks are forgotten, and the drive's versions are indexed.
func (r *reconciler) finishDrive(ctx context.Context, v view) error {
	r.removeStaleDirs(ctx, v)
	if !r.fresh { // in a rebuild every copy in the index was just seen on its drive
		if err := r.dropUnseen(ctx, v); err != nil {
			return err
		}
	}
	return r.indexVersions(ctx, v)
}

func (r *reconciler) removeStaleDirs(ctx context.Context, v view) {
	dirs := make([]string, 0, len(r.stale[v.id()]))
	for d := range r.stale[v.id()] {
		dirs = append(dirs, d)
	}
	// Deepest first, so each folder is empty when its turn comes.
	sort.Slice(dirs, func(i, j int) bool { return strings.Count(dirs[i], "/") > strings.Count(dirs[j], "/") })
	for _, d := range dirs {
		if err := v.d.Remove(ctx, d); err != nil {
			r.p.log.Warn("a stale folder could not be removed (something the pool does not own is inside)",
				"drive", v.rec.Label, "folder", d, "err", err)
		}
	}
}

// dropUnseen forgets copies the index had on v that v does not hold.
func (r *reconciler) dropUnseen(ctx context.Context, v view) error {
	seen := r.seen[v.id()]
	var after string
	for {
		var batch []catalog.Entry
		err := r.p.cat.View(ctx, func(tx *catalog.Tx) (err error) {
			batch, err = tx.FilesOnDrive(ctx, v.id(), after, reconcileBatch)
			return err
		})
		if err != nil || len(batch) == 0 {
			return err
		}
		after = batch[len(batch)-1].Path
		if err := r.dropBatch(ctx, v, batch, seen); err != nil {
			return err
		}
	}
}

// dropBatch runs under the exclusive tree lock (settle): the entries cannot change.
func (r *reconciler) dropBatch(ctx context.Context, v view, batch []catalog.Entry, seen map[string]bool) error {
	return r.p.cat.Update(ctx, func(tx *catalog.Tx) error {
		for _, e := range batch {
			if seen[e.Path] {
				continue
			}
			if err := tx.RemoveCopy(ctx, e.Path, v.id()); err != nil {
				return err
			}
			if len(e.Copies) > 1 {
				continue
			}
			if err := tx.DeleteTree(ctx, e.Path); err != nil {
				return err
			}
			if r.covering(e.Path) > r.catEff(&e) {
				continue // deleted: a crash came between the delete and its record
			}
			r.p.log.Error("a file's only copy is gone from its drive", "file", e.Path, "drive", v.rec.Label)
			reason := fmt.Sprintf("lost: its only copy was on drive %s and is no longer there", v.rec.Label)
			if err := tx.SetDamaged(ctx, e.Path, reason, r.now); err != nil {
				return err
			}
		}
		return nil
	})
}

// indexVersions records the versions kept on v, and forgets those the index placed on v
// that are not there.
func (r *reconciler) indexVersions(ctx context.Context, v view) error {
	type key struct {
		path string
		gen  uint64
	}
	have := map[key]bool{}
	var batch []catalog.Version
	flush := func() error {
		err := r.p.cat.Update(ctx, func(tx *catalog.Tx) error {
			for _, ver := range batch {
				if err := tx.AddVersion(ctx, ver); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	err := v.d.WalkVersions(ctx, func(e drive.Entry) error {
		have[key{e.Path, e.Version}] = true
		ver := catalog.Version{Path: e.Path, Gen: e.Version, Size: e.Size, ModTime: e.ModTime, Retired: e.Changed, Copies: []string{v.id()}}
		if e.HasMeta {
			ver.Hash = slices.Clone(e.Meta.Hash[:])
		}
		batch = append(batch, ver)
		if len(batch) == reconcileBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	return r.p.cat.Update(ctx, func(tx *catalog.Tx) error {
		all, err := tx.AllVersions(ctx)
		if err != nil {
			return err
		}
		for _, ver := range all {
			if slices.Contains(ver.Copies, v.id()) && !have[key{ver.Path, ver.Gen}] {
				if err := tx.RemoveVersionCopy(ctx, ver.ID, v.id()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// hashCopy reads a whole copy and returns its BLAKE3 hash.
func hashCopy(ctx context.Context, d drive.Drive, path string) (drive.Hash, error) {
	var sum drive.Hash
	f, err := d.Open(ctx, path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := blake3.New()
	if _, err := io.Copy(h, &ctxReader{ctx: ctx, r: f}); err != nil {
		return sum, fmt.Errorf("read %s: %w", path, err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// ctxReader stops a long read when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
