package pool

import (
	"context"
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
