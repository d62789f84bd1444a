package pool

import (
	"context"
	"errors"
	"strings"

	"github.com/hearth-home/hearth/server/catalog"
)

// Status is the pool at a glance.
type Status struct {
	PoolID        string
	Drives        []DriveInfo
	Total, Free   uint64 // over the present drives
	Files, Dirs   int64
	Bytes         int64 // the size of the files (each counted once)
	Shares        int
	NotDuplicated int      // files with fewer copies than their share wants (being repaired)
	Unavailable   []string // files with no readable copy: a drive holding them is missing
	Damaged       []catalog.Damaged
	Versions      int
	LastScrub     *ScrubReport
	// Others are drives of other pools mounted here, left alone (see OtherPools).
	Others []OtherPool
	// Adopting: files placed on the drives by hand still being read to be adopted (not
	// in the counts above until they are).
	Adopting int
}

// maxListed bounds the names a status lists; the count is always exact.
const maxListed = 100

// Status reports capacity, duplication, files at risk and the last scrub.
func (p *Pool) Status(ctx context.Context) (Status, error) {
	st := Status{PoolID: p.id, Others: p.OtherPools()}
	st.Adopting, _ = p.adoptionLeft()
	drives, err := p.Drives(ctx)
	if err != nil {
		return st, err
	}
	st.Drives = drives
	for _, d := range drives {
		st.Total += d.Total
		st.Free += d.Free
	}
	err = p.cat.View(ctx, func(tx *catalog.Tx) error {
		t, err := tx.Totals(ctx, "")
		st.Files, st.Dirs, st.Bytes = t.Files, t.Dirs, t.Bytes
		if err != nil {
			return err
		}
		shares, err := tx.Shares(ctx)
		if err != nil {
			return err
		}
		for _, s := range shares {
			if s.Removed.IsZero() { // a removed share is hidden until restored
				st.Shares++
			}
		}
		if st.Damaged, err = tx.DamagedFiles(ctx); err != nil {
			return err
		}
		if st.Versions, err = tx.VersionCount(ctx); err != nil {
			return err
		}
		return p.countAtRisk(ctx, tx, shares, &st)
	})
	if err != nil {
		return st, err
	}
	st.LastScrub, err = p.LastScrub(ctx)
	return st, err
}

// countAtRisk counts files short of copies and lists those with none readable. The
// counts come from the catalog's counters, a row per share and set of drives, judged
// against the drives' states now; only the few files with a copy found bad are looked at
// one by one, and the files of a set with no readable drive are listed (a drive missing).
func (p *Pool) countAtRisk(ctx context.Context, tx *catalog.Tx, shares []catalog.Share, st *Status) error {
	want := map[string]int{}
	for _, s := range shares {
		want[s.Name] = p.wantCopies(s)
	}
	counts, err := tx.CopyCounts(ctx)
	if err != nil {
		return err
	}
	unavailable := int64(0)
	lost := map[string]bool{} // sets of drives with no readable copy, by their drives
	for _, c := range counts {
		switch {
		case c.Files == 0:
		case len(p.sources(c.Copies)) == 0:
			unavailable += c.Files
			lost[strings.Join(c.Copies, ",")] = true
		case len(p.healthy(c.Copies)) < want[c.Share]:
			st.NotDuplicated += int(c.Files)
		}
	}
	if err := p.countBadCopies(ctx, tx, want, st); err != nil {
		return err
	}
	if unavailable == 0 {
		return nil
	}
	var after string
	for len(st.Unavailable) < maxListed {
		batch, err := tx.Files(ctx, "", after, 2000)
		if err != nil || len(batch) == 0 {
			return err
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			if lost[strings.Join(e.Copies, ",")] && len(st.Unavailable) < maxListed {
				st.Unavailable = append(st.Unavailable, e.Path)
			}
		}
	}
	if unavailable > int64(len(st.Unavailable)) {
		st.Unavailable = append(st.Unavailable, "…")
	}
	return nil
}

// countBadCopies counts the files that are short of copies only because a copy was found
// bad (the counters know where copies are, not whether they are good).
func (p *Pool) countBadCopies(ctx context.Context, tx *catalog.Tx, want map[string]int, st *Status) error {
	p.bad.mu.Lock()
	paths := map[string]bool{}
	for k := range p.bad.m {
		paths[k.path] = true
	}
	p.bad.mu.Unlock()
	for path := range paths {
		e, err := tx.Entry(ctx, path)
		if errors.Is(err, catalog.ErrNotFound) || (err == nil && e.Dir) {
			continue
		}
		if err != nil {
			return err
		}
		w := want[shareOf(e.Path)]
		if len(p.sources(e.Copies)) > 0 && len(p.healthy(e.Copies)) >= w && len(p.healthyOf(e)) < w {
			st.NotDuplicated++
		}
	}
	return nil
}
