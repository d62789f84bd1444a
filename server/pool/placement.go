package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/hearth-home/hearth/internal/human"
)

// reserveFor is the free space kept untouched on a drive of total bytes.
func (p *Pool) reserveFor(total uint64) int64 {
	if p.opt.Reserve >= 0 {
		return p.opt.Reserve
	}
	if total < 50<<30 {
		return int64(total / 50)
	}
	return 1 << 30
}

// room is what a drive can take now, after its reserve.
func (p *Pool) room(ctx context.Context, v view) (int64, error) {
	u, err := v.d.Usage(ctx)
	if err != nil {
		return 0, err
	}
	return int64(u.Free) - p.reserveFor(u.Total), nil
}

// place picks up to n writable drives that can hold size bytes (size < 0: unknown),
// never one in exclude. Drives in prefer (those holding the file now) come first, so an
// overwrite replaces copies in place; then the drives with the most room. It returns
// ErrPoolFull when no drive has room, and ErrNoDrives when none is working.
func (p *Pool) place(ctx context.Context, n int, size int64, prefer, exclude []string) ([]view, error) {
	type cand struct {
		v    view
		room int64
	}
	var cands []cand
	working := 0
	for _, v := range p.views() {
		if !v.writable() || slices.Contains(exclude, v.id()) {
			continue
		}
		working++
		r, err := p.roomWithin(ctx, v)
		if err != nil {
			p.noteErr(ctx, v, err)
			continue
		}
		if r > max(size, 0) {
			cands = append(cands, cand{v, r})
		}
	}
	if len(cands) == 0 {
		if working == 0 && len(exclude) == 0 {
			return nil, ErrNoDrives
		}
		if working == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: no drive has %s free beyond its reserve; add a drive or free some space", ErrPoolFull, sizeText(size))
	}
	sort.SliceStable(cands, func(i, j int) bool {
		pi, pj := slices.Contains(prefer, cands[i].v.id()), slices.Contains(prefer, cands[j].v.id())
		if pi != pj {
			return pi
		}
		return cands[i].room > cands[j].room
	})
	out := make([]view, 0, n)
	for _, c := range cands[:min(n, len(cands))] {
		out = append(out, c.v)
	}
	return out, nil
}

// roomWithin asks a drive for its room, giving up after the drive timeout (a hung disk
// must not hang every new write).
func (p *Pool) roomWithin(ctx context.Context, v view) (int64, error) {
	type res struct {
		r   int64
		err error
	}
	ch := make(chan res, 1)
	go func() {
		r, err := p.room(ctx, v)
		ch <- res{r, err}
	}()
	t := time.NewTimer(p.opt.DriveTimeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.r, r.err
	case <-t.C:
		p.lose(ctx, v.id(), "the drive stopped answering")
		return 0, errHung
	}
}

var errHung = errors.New("the drive stopped answering")

func sizeText(n int64) string {
	if n < 0 {
		return "any space"
	}
	return human.Bytes(n)
}
