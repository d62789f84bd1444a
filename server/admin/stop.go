package admin

import (
	"context"
	"errors"
)

// ErrNoRestarter: the server runs outside its system service (started by hand), so
// nothing would start it again after it stopped.
var ErrNoRestarter = errors.New("nothing would start the server again: it does not run as its system service; stop it and start it again yourself")

// Restart stops the server as SIGTERM does; its system service starts it again.
func (l Local) Restart(ctx context.Context) error {
	if l.Stop == nil {
		return ErrNoDaemon
	}
	return l.Stop(ctx, true)
}

// Shutdown stops the server as SIGTERM does. It stays stopped until the machine starts
// again or someone starts the service ('systemctl start hearthd').
func (l Local) Shutdown(ctx context.Context) error {
	if l.Stop == nil {
		return ErrNoDaemon
	}
	return l.Stop(ctx, false)
}
