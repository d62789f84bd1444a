// Command hearth is the connector on a PC: it joins the PC to a Hearth server.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/hearth-home/hearth/client/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
