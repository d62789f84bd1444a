package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/hearth-home/hearth/client/service"
)

// packagedUnit is where the Linux package puts the agent's user unit.
const packagedUnit = "/usr/lib/systemd/user/hearth-agent.service"

// serviceCmd registers the agent to start at every login (install), or no longer
// (uninstall). The installers call it; it also serves a connector copied by hand.
func serviceCmd(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 || (args[0] != "install" && args[0] != "uninstall") {
		fmt.Fprintln(e.errOut, "usage: hearth service install|uninstall")
		return errors.New("say install or uninstall")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	_, serr := os.Stat(packagedUnit)
	w := service.Where{GOOS: runtime.GOOS, Exe: exe, Home: home, Packaged: serr == nil}
	plan := service.Install
	if args[0] == "uninstall" {
		plan = service.Uninstall
	}
	p, err := plan(w)
	if err != nil {
		return err
	}
	if err := service.Apply(ctx, p); err != nil {
		return fmt.Errorf("the agent could not be %sed: %w", args[0], err)
	}
	if args[0] == "install" {
		fmt.Fprintln(e.out, "The agent now starts at every login: it backs this PC up every night and reports its health.")
	} else {
		fmt.Fprintln(e.out, "The agent no longer starts at login. This PC's settings and its backups on the server stay.")
	}
	return nil
}
