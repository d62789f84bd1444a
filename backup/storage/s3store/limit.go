package s3store

import (
	"context"
	"io"
	"time"
)

// limited paces reads so that they average at most rate bytes a second over the whole
// upload: a family's evening video call keeps its bandwidth while the backup goes.
type limited struct {
	ctx   context.Context
	r     io.Reader
	rate  int64
	start time.Time
	n     int64
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func newLimited(ctx context.Context, r io.Reader, rate int64) *limited {
	return &limited{ctx: ctx, r: r, rate: rate, now: time.Now, sleep: sleepCtx}
}

func (l *limited) Read(p []byte) (int, error) {
	if l.start.IsZero() {
		l.start = l.now()
	}
	// Small reads keep the pace even: a quarter of a second's worth at most.
	if most := max(l.rate/4, 1); int64(len(p)) > most {
		p = p[:most]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	due := l.start.Add(time.Duration(float64(l.n) / float64(l.rate) * float64(time.Second)))
	if wait := due.Sub(l.now()); wait > 0 {
		if serr := l.sleep(l.ctx, wait); serr != nil {
			return n, serr
		}
	}
	return n, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
