// Command hearth-tray is the connector's icon by the clock: green when the home is safe,
// yellow or red when something needs attention (and why), grey when the server cannot be
// reached; one click backs this PC up or opens the server's files. It is a small process
// of its own: the console window (fyne) is another, which it starts.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/getlantern/systray"

	"github.com/hearth-home/hearth/client/connector"
)

func main() {
	config := flag.String("config", "", "the connector's settings file (default: where 'hearth join' keeps it)")
	flag.Parse()
	path := *config
	if path == "" {
		path = os.Getenv("HEARTH_CONNECTOR_CONFIG")
	}
	if path == "" {
		p, err := connector.ConfigPath()
		if err != nil {
			fmt.Fprintln(os.Stderr, "hearth-tray:", err)
			os.Exit(1)
		}
		path = p
	}
	t := newTray(path, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	systray.Run(t.ready, t.exit)
}
