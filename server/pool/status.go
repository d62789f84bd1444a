package pool

import (
	"context"

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
}

// maxListed bounds the names a status lists; the count is always exact.
const maxListed = 100

// Status reports capacity, duplication, files at risk and the last scrub.
func (p *Pool) Status(ctx context.Context) (Status, error) {
	st := Status{PoolID: p.id, Others: p.OtherPools()}
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
		vs, err := tx.AllVersions(ctx)
		st.Versions = len(vs)
		if err != nil {
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

// countAtRisk counts files short of copies and lists those with none readable.
func (p *Pool) countAtRisk(ctx context.Context, tx *catalog.Tx, shares []catalog.Share, st *Status) error {
	want := map[string]int{}
	for _, s := range shares {
		want[s.Name] = p.wantCopies(s)
	}
	var after string
	unavailable := 0
	for {
		batch, err := tx.Files(ctx, "", after, 2000)
		if err != nil || len(batch) == 0 {
			if unavailable > len(st.Unavailable) {
				st.Unavailable = append(st.Unavailable, "…")
			}
			return err
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			switch {
			case len(p.sources(e.Copies)) == 0:
				unavailable++
				if len(st.Unavailable) < maxListed {
					st.Unavailable = append(st.Unavailable, e.Path)
				}
			case len(p.healthyOf(e)) < want[shareOf(e.Path)]:
				st.NotDuplicated++
			}
		}
	}
}
