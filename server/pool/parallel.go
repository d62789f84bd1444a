package pool

import (
	"context"
	"time"
)

// onDrives runs fn for every view at once and returns their errors in order. A drive
// that does not answer within timeout is marked missing and gets errHung; its call is
// left to finish on its own, as a stuck system call cannot be interrupted.
func (p *Pool) onDrives(ctx context.Context, vs []view, timeout time.Duration, fn func(view) error) []error {
	type res struct {
		i   int
		err error
	}
	ch := make(chan res, len(vs))
	for i, v := range vs {
		go func() { ch <- res{i, fn(v)} }()
	}
	errs := make([]error, len(vs))
	done := make([]bool, len(vs))
	t := time.NewTimer(timeout)
	defer t.Stop()
	for left := len(vs); left > 0; {
		select {
		case r := <-ch:
			errs[r.i], done[r.i] = r.err, true
			left--
		case <-t.C:
			for i, v := range vs {
				if !done[i] {
					errs[i] = errHung
					p.lose(ctx, v.id(), "the drive stopped answering")
				}
			}
			return errs
		}
	}
	return errs
}

// slowTimeout bounds operations that flush a whole file (fsync of gigabytes on a slow
// disk takes a while), as opposed to the drive timeout for single small operations.
func (p *Pool) slowTimeout() time.Duration { return 30 * p.opt.DriveTimeout }

// within runs fn against the drive v with a timeout, as onDrives does for many: used
// for every drive call made while holding the tree lock, so one hung disk cannot stop
// the whole pool.
func (p *Pool) within(ctx context.Context, v view, fn func() error) error {
	return p.onDrives(ctx, []view{v}, 3*p.opt.DriveTimeout, func(view) error { return fn() })[0]
}
