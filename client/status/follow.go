package status

import (
	"context"
	"errors"
	"time"

	"github.com/hearth-home/hearth/client/connector"

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
// with online true, and the last known state with online false, and why, whenever the
// connection is lost. It reconnects by itself.
func Follow(ctx context.Context, watch Watch, b Backoff, update func(h *schema.Health, online bool, why error)) {
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
		err := watch(ctx, func(h schema.Health) {
			last, heard = &h, true
			update(last, true, nil)
		})
		if ctx.Err() != nil {
			return
		}
		update(last, false, err)
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

// Trouble says in words why the server cannot be followed when the reason is not a
// network away: those need the person, not patience. "" otherwise.
func Trouble(err error) string {
	switch {
	case errors.Is(err, connector.ErrBadCredentials):
		return "This PC was removed from the server; join it again"
	case errors.Is(err, connector.ErrPinMismatch):
		return "The server's identity has changed, so this PC stopped talking to it; ask whoever looks after the server"
	}
	return ""
}
