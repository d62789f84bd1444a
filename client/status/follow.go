package status

import (
	"context"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Watch follows the server's health, calling fn with each state, until ctx ends or the
// connection drops (connector.Config.WatchHealth).
type Watch func(ctx context.Context, fn func(schema.Health)) error

// Backoff bounds the wait between attempts to reconnect: the first wait, doubled after
// each failure up to Max. The zero value reconnects after a second at first and every
// minute while the server stays away.
type Backoff struct{ First, Max time.Duration }

// Follow keeps watching the server's health until ctx ends: update gets every new state
// with online true, and the last known state with online false whenever the connection
// is lost. It reconnects by itself.
func Follow(ctx context.Context, watch Watch, b Backoff, update func(h *schema.Health, online bool)) {
	if b.First <= 0 {
		b.First = time.Second
	}
	if b.Max < b.First {
		b.Max = max(time.Minute, b.First)
	}
	var last *schema.Health
	wait := b.First
	for ctx.Err() == nil {
		heard := false
		watch(ctx, func(h schema.Health) {
			last, heard = &h, true
			update(last, true)
		})
		if ctx.Err() != nil {
			return
		}
		update(last, false)
		if heard {
			wait = b.First
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = min(2*wait, b.Max)
	}
}
