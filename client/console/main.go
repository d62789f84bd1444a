// Command hearth-console is the Hearth window on a PC: the server and this PC at a
// glance, back up now, the health of every PC and drive in plain words, and the server's
// files. The tray
// starts it (hearth-console -page health); it also starts alone.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/hearth-home/hearth/client/connector"
)

func main() {
	page := flag.String("page", "home", "the page to open: home, health, files, backups or settings")
	flag.Parse()
	path := os.Getenv("HEARTH_CONNECTOR_CONFIG")
	if path == "" {
		p, err := connector.ConfigPath()
		if err != nil {
			fmt.Fprintln(os.Stderr, "hearth-console:", err)
			os.Exit(1)
		}
		path = p
	}
	cfg, err := connector.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hearth-console:", err)
		os.Exit(1)
	}
	a := app.NewWithID("home.hearth.console")
	c := newConsole(a, cfg, path, time.Now)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if b, err := newBrowser(ctx, cfg); err == nil {
		c.withFiles(b)
	} else {
		fmt.Fprintln(os.Stderr, "hearth-console: the server's files cannot be shown:", err)
	}
	c.show(gather(ctx, cfg, time.Now()), *page)
	cancel()
	c.win.ShowAndRun()
}
