// Command hearth-console is the Hearth window on a PC: the server and this PC at a
// glance, back up now, the health of every PC and drive in plain words, the server's
// files, this PC's backups and its settings; or, on a PC that has not joined yet, the
// way to join. The tray starts it (hearth-console -page health); it also starts alone.
package main

import (
	"context"
	"errors"
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
	if err != nil && !errors.Is(err, connector.ErrNotJoined) {
		fmt.Fprintln(os.Stderr, "hearth-console:", err)
		os.Exit(1)
	}
	a := app.NewWithID("home.hearth.console")
	c := newConsole(a, cfg, path, time.Now)
	c.lan, c.live = true, true
	c.followAgent(context.Background())
	if err != nil { // not joined yet
		c.setup()
	} else {
		c.fetch(*page)
		c.followHealth(context.Background())
	}
	c.win.ShowAndRun()
}
