package app

import (
	"context"

	"github.com/hearth-home/hearth/server/admin"
)

// ExitRestart is the exit status of a hearthd that was asked to restart: its system
// service (hearthd.service, RestartForceExitStatus=) starts it again on it. A restart by
// exiting, rather than by executing itself again, leaves the starting to the one that
// started it, with its sandbox, user and environment, and to a newer binary after an
// upgrade.
const ExitRestart = 75

// stopState is how the server was asked to stop from the console (Service.Restart and
// Shutdown): the run ends as when hearthd gets SIGTERM.
type stopState struct {
	cancel  context.CancelFunc
	done    <-chan struct{}
	restart bool
}

// Stopped is closed when the console asked the server to stop or restart (nil before
// Start): 'hearthd run' then stops the server as on SIGTERM.
func (a *App) Stopped() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stop.done
}

// RestartAsked says whether the console asked for a restart, not a shutdown.
func (a *App) RestartAsked() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stop.restart
}

// requestStop ends the run for the console: the answer to the request that asked goes
// out first (the control socket and web server finish the requests under way).
func (a *App) requestStop(_ context.Context, restart bool) error {
	if restart && !a.opt.Supervised {
		return admin.ErrNoRestarter
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stop.cancel == nil {
		return admin.ErrNoDaemon
	}
	a.stop.restart = a.stop.restart || restart
	a.stop.cancel()
	if restart {
		a.log.Warn("restarting, as an administrator asked")
	} else {
		a.log.Warn("shutting down, as an administrator asked")
	}
	return nil
}
