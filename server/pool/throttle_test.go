package pool

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// The throttle keeps background copying to its rate, and waits while the family uses the
// pool (but not for ever). Fake time makes the check exact.
func TestThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		th := newThrottle(1 << 20) // 1 MiB/s
		start := time.Now()
		for range 4 {
			if err := th.wait(ctx, 1<<19); err != nil {
				t.Fatal(err)
			}
		}
		// Four half-MiB steps at 1 MiB/s: the last may start after 1.5 s.
		if got := time.Since(start); got != 1500*time.Millisecond {
			t.Errorf("2 MiB took %v to be allowed, want 1.5s", got)
		}
		th.foreground()
		start = time.Now()
		th.wait(ctx, 1)
		if got := time.Since(start); got < fgQuiet {
			t.Errorf("background went on %v after the family's last read; want it to wait at least %v", got, fgQuiet)
		}
		// A family that never stops reading does not starve the repairer.
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
					th.foreground()
				}
			}
		}()
		start = time.Now()
		th.wait(ctx, 1)
		if got := time.Since(start); got > fgMaxGap+time.Second {
			t.Errorf("background waited %v under constant use, want at most about %v", got, fgMaxGap)
		}
		close(stop)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := th.wait(cctx, 1<<30); err == nil {
			t.Error("a cancelled wait returned nil")
		}
	})
}

// A background copy is charged for the bytes it read, not for its buffer.
func TestThrottledReaderChargesBytesRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		th := newThrottle(1 << 20)
		r := &throttledReader{ctx: context.Background(), t: th, r: strings.NewReader(strings.Repeat("x", 100<<10))}
		start := time.Now()
		buf := make([]byte, 1<<20) // as the copy loops read
		for {
			if _, err := r.Read(buf); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
		}
		// 100 KiB at 1 MiB/s may all be read before ~0.1 s of debt is due.
		if got := time.Since(start); got > 200*time.Millisecond {
			t.Errorf("reading 100 KiB at 1 MiB/s took %v", got)
		}
	})
}
