package s3store

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// The limiter asks to wait as long as the bytes should take at the rate, with a clock
// moved by the waits rather than waited for.
func TestLimitedPace(t *testing.T) {
	clock := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	var waited time.Duration
	l := newLimited(context.Background(), bytes.NewReader(make([]byte, 10<<20)), 1<<20)
	l.now = func() time.Time { return clock }
	l.sleep = func(_ context.Context, d time.Duration) error { waited += d; clock = clock.Add(d); return nil }
	n, err := io.Copy(io.Discard, l)
	if err != nil || n != 10<<20 {
		t.Fatalf("copied %d, %v", n, err)
	}
	if waited != 10*time.Second {
		t.Errorf("10 MiB at 1 MiB/s waited %v, want 10s", waited)
	}
}
