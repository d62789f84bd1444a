package cli

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hearth-home/hearth/client/agent"
	"github.com/hearth-home/hearth/client/connector"
)

// agent runs the nightly backup until stopped.
func runAgent(ctx context.Context, e *env, _ []string) error {
	log := slog.New(slog.NewTextHandler(e.errOut, nil))
	a := agent.Agent{
		Settings: func() (connector.BackupSettings, error) {
			cfg, err := connector.Load(e.config)
			return cfg.Backup, err
		},
		Backup: func(ctx context.Context) (time.Time, error) {
			cfg, err := connector.Load(e.config)
			if err != nil {
				return time.Time{}, err
			}
			s, err := runBackup(ctx, cfg, cfg.Backup, nil, func(why string) { log.Info("waiting for another backup of this PC", "why", why) })
			if err == nil {
				log.Info("backed up", "files", s.Files, "bytes", s.Bytes, "new", s.Added, "snapshot", s.ID[:8])
			}
			return s.Time, err
		},
		Last: func(ctx context.Context) (time.Time, error) {
			cfg, err := connector.Load(e.config)
			if err != nil {
				return time.Time{}, err
			}
			return lastBackup(ctx, cfg)
		},
		Report: func(ctx context.Context) error {
			cfg, err := connector.Load(e.config)
			if err != nil {
				return err
			}
			if cfg, err = e.repin(ctx, cfg); err != nil && !trustOnly(err) {
				return err
			} else if err != nil {
				log.Warn("the server's new certificate authority is not in this PC's trust store", "err", err)
			}
			_, err = e.reportHealth(ctx, cfg)
			return err
		},
		Log: log,
	}
	fmt.Fprintln(e.out, "Hearth agent: backing this PC up every night and reporting its health. Stop with Ctrl-C.")
	return a.Run(ctx)
}
