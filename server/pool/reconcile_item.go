package pool

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"slices"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// apply decides about one item found on a drive. An item at a path the family changed
// during the walk waits for the settle.
func (r *reconciler) apply(ctx context.Context, it item) error {
	r.maxGen = max(r.maxGen, it.e.Meta.Gen)
	if !r.settling && r.p.changes.touches(it.e.Path) {
		return nil
	}
	switch it.e.Kind {
	case drive.Dir:
		return r.dir(ctx, it)
	case drive.File:
		if !it.e.HasMeta {
			r.hand = append(r.hand, it)
			return nil
		}
		return r.file(ctx, it)
	}
	r.p.log.Warn("ignoring a link or special file on a drive; Hearth never follows them",
		"drive", it.v.rec.Label, "item", it.e.Path)
	return nil
}

func (r *reconciler) dir(ctx context.Context, it item) error {
	path := it.e.Path
	if r.underStale(it.v, path) {
		r.markStale(it.v, path)
		return nil
	}
	if safepath.Parent(path) == "" && !r.shares[path] {
		r.shares[path] = true
		r.newShr = append(r.newShr, path)
		r.p.log.Info("share found on a drive", "share", path, "drive", it.v.rec.Label)
	}
	cur, err := r.lookup(ctx, path)
	if err != nil {
		return err
	}
	switch {
	case cur != nil && cur.Dir:
		if it.e.ModTime.After(cur.ModTime) { // drives differ by the moments between their writes
			cur.ModTime = it.e.ModTime
			r.dirty[path] = true
		}
		return nil
	case cur != nil: // the pool has a file here: this folder is older or a leftover
		r.markStale(it.v, path)
	case r.covering(path) > it.eff:
		r.markStale(it.v, path)
	default:
		r.put(&catalog.Entry{Path: path, Dir: true, ModTime: it.e.ModTime, Gen: it.e.Meta.Gen})
	}
	return nil
}

func (r *reconciler) markStale(v view, path string) {
	if r.stale[v.id()] == nil {
		r.stale[v.id()] = map[string]bool{}
	}
	r.stale[v.id()][path] = true
}

func (r *reconciler) file(ctx context.Context, it item) error {
	path := it.e.Path
	if r.underStale(it.v, path) || r.covering(path) > it.eff {
		r.retire(ctx, it)
		return nil
	}
	cur, err := r.lookup(ctx, path)
	if err != nil {
		return err
	}
	switch {
	case cur == nil:
		if _, ok := r.dirGens[safepath.Parent(path)]; !ok {
			r.retire(ctx, it) // its folder is not part of the pool
			return nil
		}
		r.stats.adopted++
		r.put(r.entryOf(it))
		r.markSeen(it.v, path)
	case cur.Dir:
		r.retire(ctx, it)
	default:
		r.compare(ctx, it, cur)
	}
	return nil
}

func (r *reconciler) entryOf(it item) *catalog.Entry {
	return &catalog.Entry{
		Path: it.e.Path, Size: it.e.Size, ModTime: it.e.ModTime,
		Hash: slices.Clone(it.e.Meta.Hash[:]), Gen: it.e.Meta.Gen, Copies: []string{it.v.id()},
	}
}

// compare decides between a copy on a drive and the index's entry at the same path.
func (r *reconciler) compare(ctx context.Context, it item, cur *catalog.Entry) {
	mine, theirs := it.eff, r.catEff(cur)
	if mine == theirs {
		mine, theirs = it.e.Meta.Gen, cur.Gen
	}
	switch {
	case mine < theirs:
		r.retire(ctx, it)
	case mine > theirs:
		r.supersede(ctx, it, cur)
	case bytes.Equal(it.e.Meta.Hash[:], cur.Hash) && it.e.Size == cur.Size:
		if !slices.Contains(cur.Copies, it.v.id()) {
			cur.Copies = append(cur.Copies, it.v.id())
			r.dirty[cur.Path] = true
		}
		r.stats.copies++
		r.markSeen(it.v, it.e.Path)
	default:
		// Same generation, other content: not a copy the pool wrote. Keep it aside.
		r.retire(ctx, it)
	}
}

// supersede makes the drive's copy the current content: the index was behind (its last
// commits were lost). The copies the index knew become versions.
func (r *reconciler) supersede(ctx context.Context, it item, cur *catalog.Entry) {
	old := catalog.Version{Path: cur.Path, Gen: cur.Gen, Size: cur.Size, ModTime: cur.ModTime, Hash: cur.Hash, Retired: r.now}
	next := r.entryOf(it)
	for _, id := range cur.Copies {
		v, ok := r.drive(id)
		if !ok || id == it.v.id() {
			continue
		}
		// Look before retiring: a crash may have left the new content there too.
		st, err := v.d.Stat(ctx, cur.Path)
		if err != nil || st.Kind != drive.File {
			continue
		}
		if st.HasMeta && st.Meta == it.e.Meta {
			next.Copies = append(next.Copies, id)
			r.markSeen(v, cur.Path)
			continue
		}
		if err := r.p.within(ctx, v, func() error { return v.d.Retire(ctx, cur.Path) }); err != nil {
			r.noteErr(v, err)
			continue
		}
		old.Copies = append(old.Copies, id)
		delete(r.seen[id], cur.Path)
	}
	if len(old.Copies) > 0 {
		r.vers = append(r.vers, old)
	}
	r.stats.adopted++
	r.put(next)
	r.markSeen(it.v, it.e.Path)
}

// retire moves a stale copy into the versions area and records the version.
func (r *reconciler) retire(ctx context.Context, it item) {
	r.stats.stale++
	if err := r.p.within(ctx, it.v, func() error { return it.v.d.Retire(ctx, it.e.Path) }); err != nil {
		if !errors.Is(err, fs.ErrNotExist) { // already retired while it waited in the queue
			r.noteErr(it.v, err)
		}
		return
	}
	r.vers = append(r.vers, catalog.Version{
		Path: it.e.Path, Gen: it.e.Meta.Gen, Size: it.e.Size, ModTime: it.e.ModTime,
		Hash: slices.Clone(it.e.Meta.Hash[:]), Retired: r.now, Copies: []string{it.v.id()},
	})
}
