package pool

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// throttle keeps background copying (repair, scrub, evacuation) out of the way: it yields
// while the family is reading or writing, and never exceeds a byte rate.
type throttle struct {
	rate   int64        // bytes per second
	lastFG atomic.Int64 // unix nanoseconds of the last foreground I/O

	mu   sync.Mutex
	next time.Time // when the next background byte may go
}

const (
	fgQuiet  = 250 * time.Millisecond // foreground counts as busy this long after its last I/O
	fgMaxGap = 2 * time.Second        // but background work still moves at least this often
	// A debt below this is not slept off yet: it stays owed and is slept off with the
	// next ones. Sleeping a few microseconds after each small file made a scrub of many
	// small files wait on the scheduler rather than the disk (milliseconds a wake-up on a
	// busy box), while the rate over any longer span is the same.
	throttleSlack = 20 * time.Millisecond
)

func newThrottle(rate int64) *throttle { return &throttle{rate: rate} }

// foreground notes that the family is using the pool.
func (t *throttle) foreground() { t.lastFG.Store(time.Now().UnixNano()) }

// wait blocks until n background bytes may go.
func (t *throttle) wait(ctx context.Context, n int) error {
	if err := t.yield(ctx); err != nil {
		return err
	}
	t.mu.Lock()
	now := time.Now()
	if t.next.Before(now) {
		t.next = now
	}
	at := t.next
	t.next = t.next.Add(time.Duration(float64(n) / float64(t.rate) * float64(time.Second)))
	t.mu.Unlock()
	if d := time.Until(at); d > throttleSlack {
		return sleep(ctx, d)
	}
	return ctx.Err()
}

// yield blocks while the family is using the pool (up to fgMaxGap).
func (t *throttle) yield(ctx context.Context) error {
	deadline := time.Now().Add(fgMaxGap)
	for time.Since(time.Unix(0, t.lastFG.Load())) < fgQuiet && time.Now().Before(deadline) {
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}

// throttledReader reads through the throttle.
type throttledReader struct {
	ctx context.Context
	t   *throttle
	r   io.Reader
}

// Read reads, then waits for what it read: charging the buffer's size instead would
// make a small file cost as much as a large one.
func (r *throttledReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(b)
	if werr := r.t.wait(r.ctx, n); werr != nil && err == nil {
		err = werr
	}
	return n, err
}

// yieldingReader reads at the drive's speed but, like throttledReader, pauses while the
// family is using the pool. A scrub reads through it: it only reads, so the rate cap of
// background copying (which writes, and takes the disk's time from the family even when
// they come back) does not bound it, and a scrub of every drive at once runs at the
// disks' speed.
type yieldingReader struct {
	ctx context.Context
	t   *throttle
	r   io.Reader
}

func (r *yieldingReader) Read(b []byte) (int, error) {
	if err := r.t.yield(r.ctx); err != nil {
		return 0, err
	}
	return r.r.Read(b)
}
