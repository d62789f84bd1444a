package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hearth-home/hearth/client/agent"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/server/api/schema"
)

// agent runs the nightly backup, and the backups the tray, the console and hearth backup
// ask for, until stopped. A second agent of the same user does not start.
func runAgent(ctx context.Context, e *env, _ []string) error {
	log := slog.New(slog.NewTextHandler(e.errOut, nil))
	ln, err := localapi.Listen(e.config)
	if errors.Is(err, localapi.ErrAgentRunning) {
		return err
	}
	if err != nil {
		// The nightly backup matters more than the tray's view of it.
		log.Error("the tray and the console cannot reach this agent; it backs up at night all the same", "err", err)
		ln = nil
	}
	a := agent.Agent{
		Settings: func() (connector.BackupSettings, error) {
			cfg, err := connector.Load(e.config)
			return cfg.Backup, err
		},
		Backup: func(ctx context.Context, job agent.Job) (schema.Snapshot, error) {
			cfg, err := connector.Load(e.config)
			if err != nil {
				return schema.Snapshot{}, err
			}
			set := cfg.Backup
			if len(job.Include) > 0 {
				set.Include = job.Include
			}
			if len(job.Exclude) > 0 {
				set.Exclude = job.Exclude
			}
			return runBackup(ctx, cfg, set, job.Progress, job.Waiting)
		},
		Words: failureWords,
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
	if ln != nil {
		a.Listener = ln
	}
	fmt.Fprintln(e.out, "Hearth agent: backing this PC up every night and when asked, and reporting its health. Stop with Ctrl-C.")
	return a.Run(ctx)
}
