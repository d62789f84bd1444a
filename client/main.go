// Command hearth is the connector on a PC: it joins the PC to a Hearth server, backs it
// up and restores from it.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/hearth-home/hearth/client/cli"
	"github.com/hearth-home/hearth/internal/cpuprofile"
)

func main() {
	// A backup runs beside whatever the family is doing on the PC: collect garbage
	// sooner than Go's default, so the heap stays near what is really in use (about
	// 130 MiB at most while backing up) instead of twice that.
	debug.SetGCPercent(20)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	profiled := cpuprofile.FromEnv("hearth")
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	profiled()
	stop()
	os.Exit(code)
}
