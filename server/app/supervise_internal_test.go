package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// A part that stops is started again after a wait that doubles, and reported each time;
// a panic counts as a stop; the other parts go on meanwhile; all stop with the context.
func TestSupervisorRestartsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var mu sync.Mutex
		var stops []time.Duration
		start := time.Now()
		s := &supervisor{log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			stopped: func(_ context.Context, name string) {
				mu.Lock()
				stops = append(stops, time.Since(start))
				mu.Unlock()
			}}
		runs := 0
		s.start(ctx, service{"flaky", func(ctx context.Context) error {
			runs++
			switch runs {
			case 1:
				return errors.New("broken")
			case 2:
				panic("worse")
			case 3:
				return nil // returning early is a stop too
			}
			<-ctx.Done()
			return nil
		}})
		var ticks atomic.Int64
		s.start(ctx, service{"steady", func(ctx context.Context) error {
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(100 * time.Millisecond):
					ticks.Add(1)
				}
			}
		}})
		time.Sleep(time.Minute)
		synctest.Wait()
		mu.Lock()
		got := append([]time.Duration(nil), stops...)
		mu.Unlock()
		// Stops at 0, then after waits of 1 s and 2 s: at 1 s and 3 s.
		want := []time.Duration{0, time.Second, 3 * time.Second}
		if len(got) != len(want) {
			t.Fatalf("stops at %v; want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("stops at %v; want %v", got, want)
			}
		}
		if runs != 4 {
			t.Errorf("%d runs; want 4 (the fourth keeps running)", runs)
		}
		if n := ticks.Load(); n < 590 {
			t.Errorf("the steady part ticked %d times in a minute; the flaky one held it up", n)
		}
		cancel()
		s.wait()
	})
}
