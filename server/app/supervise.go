package app

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// service is one long-lived part of the server: a loop that runs until ctx ends.
type service struct {
	name string // in words, for the log and the alert: "The web server"
	run  func(ctx context.Context) error
}

// Restart backoff: a service that stops is started again after a wait that doubles from
// backoffFirst up to backoffMax, and starts over once it has run for backoffReset.
const (
	backoffFirst = time.Second
	backoffMax   = 5 * time.Minute
	backoffReset = 10 * time.Minute
)

// supervisor runs services, each on its own: one that stops (an error, or returning
// early, or a panic) is logged, reported, and started again with backoff, and the
// others go on.
type supervisor struct {
	log *slog.Logger
	// stopped and running tell health (nil: nobody).
	stopped func(ctx context.Context, name string)
	running func(name string)
	wg      sync.WaitGroup
}

// start runs svc until ctx ends.
func (s *supervisor) start(ctx context.Context, svc service) {
	s.wg.Go(func() { s.keep(ctx, svc) })
}

// wait returns when every service has ended (after ctx ended).
func (s *supervisor) wait() { s.wg.Wait() }

func (s *supervisor) keep(ctx context.Context, svc service) {
	wait := backoffFirst
	for {
		began := time.Now()
		err := runSafely(ctx, svc.run)
		if ctx.Err() != nil {
			return
		}
		if time.Since(began) >= backoffReset {
			wait = backoffFirst
		}
		if err == nil {
			err = fmt.Errorf("it returned while the server runs")
		}
		s.log.Error("part of the server stopped; starting it again", "service", svc.name, "err", err, "in", wait)
		if s.stopped != nil {
			s.stopped(ctx, svc.name)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, backoffMax)
		if s.running != nil {
			s.running(svc.name)
		}
	}
}

// runSafely runs fn, turning a panic into an error.
func runSafely(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(ctx)
}
