package cli

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/paths"
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	drive := fs.String("drive", "", "the first drive when the pool has none (default: a folder in the state folder); also where to look for drives")
	verbose := fs.Bool("v", false, "log details for developers")
	listen := fs.String("listen", "", "the HTTPS address, such as :8443 (default: from the settings)")
	plain := fs.String("http", "", "the plain HTTP address that redirects to HTTPS, or off")
	announce := fs.Bool("announce", true, "announce the server on the local network (multicast DNS, and SSDP for the TVs)")
	media := fs.String("media", "", "the address the TVs stream from, such as :8200, or off (default: from the settings)")
	connectors := fs.String("connectors", app.DefaultConnectors, "the folder of the connector's installers the web pages offer")
	rest, err := parse(fs, e, args)
	if err != nil || len(rest) > 0 {
		return errUsage
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.errOut, &slog.HandlerOptions{Level: level}))
	opt := app.Options{StateDir: e.state, HTTPSListen: *listen, HTTPListen: *plain, Version: Version, NoDiscovery: !*announce, MountScan: e.mountScan,
		Connectors: *connectors, Supervised: os.Getenv("HEARTH_SUPERVISED") == "1", MediaListen: *media}
	if *drive != "" {
		opt.Drives = []string{*drive}
	}
	a, err := app.New(ctx, opt, log)
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	first := *drive
	if first == "" {
		first = paths.FirstDrive(e.state)
	}
	ctx, stop := context.WithCancel(ctx)
	defer func() { // before Close: the server's parts stop first
		stop()
		a.Wait()
		log.Info("hearthd stopped")
	}()
	if err := a.Start(ctx, first); err != nil {
		return err
	}
	info, err := a.Info(ctx)
	if err != nil {
		return err
	}
	// The drives alone, not the pool's status: that reads every file's row of the index,
	// at every start, for a count in a log line.
	log.Info("hearthd is running", "version", Version, "state", e.state, "drives", len(a.Pool.DriveStates()),
		"control", paths.Socket(e.state))
	// The authority's fingerprint: the one a joining PC shows (the certificate's own
	// changes with every renewal, and no PC shows it).
	log.Info("the shared folders are served", "webdav", info.URL, "fingerprint_sha256", info.CAFingerprint)
	log.Info("add a drive with: hearthd drive add /mnt/disk   (stop with Ctrl-C)")
	select {
	case <-ctx.Done():
	case <-a.Stopped(): // the console asked: the same clean stop as SIGTERM, deferred above
	}
	if a.RestartAsked() {
		return errRestart
	}
	return nil
}

// errRestart: the run ended for a restart; hearthd exits with app.ExitRestart, on which
// its system service starts it again.
var errRestart = errors.New("restart")
