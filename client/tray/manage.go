package main

import (
	"context"
	"os/exec"
	"runtime"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/launch"
)

// learnRole asks the server whether this PC's user is an administrator, for the server
// followed as generation gen: Manage the server is offered to administrators only. When
// the server cannot tell, it is asked again once it answers.
func (t *tray) learnRole(ctx context.Context, gen int, cfg connector.Config) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	me, err := cfg.Me(ctx)
	t.mu.Lock()
	if gen != t.gen { // from a server this PC has left
		t.mu.Unlock()
		return
	}
	if err != nil {
		t.roleAsked = false
		t.mu.Unlock()
		t.log.Debug("the server did not say who this PC's user is", "err", err)
		return
	}
	t.admin = me.Admin
	t.mu.Unlock()
	t.redraw()
}

// manageServer opens the server's web console in the browser, at its sign-in page: the
// PC's key does not open it, the administrator's password does.
func (t *tray) manageServer() {
	t.mu.Lock()
	address := t.cfg.ManageURL()
	t.mu.Unlock()
	name, args := browserCommand(runtime.GOOS, address)
	if err := launch.Briefly(exec.Command(name, args...), 5*time.Second); err != nil {
		t.log.Warn("the browser did not open the server's console", "err", err)
		notify("No web browser opened", "Open "+address+" in a web browser to manage the server.", t.log)
	}
}
