// Command hearthd is the Hearth home server. The work is in its sub-packages; this only
// hands the command line and the stop signals to them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/hearth-home/hearth/internal/cpuprofile"
	"github.com/hearth-home/hearth/server/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	profiled := cpuprofile.FromEnv("hearthd")
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	profiled()
	stop()
	os.Exit(code)
}
