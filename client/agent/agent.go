// Package agent is the connector's background service: it backs the PC up every night at
// the set time, catches up when the PC was off or asleep then, and retries, waiting longer
// each time, while the server cannot be reached. Every few minutes it reports the PC's
// health.
package agent

import (
	"context"
	"log/slog"
	"time"

	"github.com/hearth-home/hearth/client/connector"
)

// Agent schedules backups.
type Agent struct {
	// Settings returns the PC's backup settings (read again each time: they may change).
	Settings func() (connector.BackupSettings, error)
	// Backup backs up now and returns the backup's time.
	Backup func(ctx context.Context) (time.Time, error)
	// Last returns when the PC last backed up (zero if never).
	Last func(ctx context.Context) (time.Time, error)
	Log  *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Tick is how often the clock is read. The wall clock, not a long timer, decides:
	// a timer may not count the hours a PC sleeps. 0 means a minute.
	Tick time.Duration
	// Retry is the first wait after a failure, doubled up to an hour. 0 means a minute.
	Retry time.Duration
	// Report checks the PC's health and tells the server, every ReportEvery (0: five
	// minutes) and after each backup. Nil turns it off.
	Report      func(ctx context.Context) error
	ReportEvery time.Duration
}

const maxRetry = time.Hour

// Run schedules backups until ctx ends.
func (a *Agent) Run(ctx context.Context) error {
	if a.Now == nil {
		a.Now = time.Now
	}
	if a.Tick == 0 {
		a.Tick = time.Minute
	}
	if a.Retry == 0 {
		a.Retry = time.Minute
	}
	if a.ReportEvery == 0 {
		a.ReportEvery = 5 * time.Minute
	}
	if a.Log == nil {
		a.Log = slog.Default()
	}
	var last time.Time
	known := false
	kick := make(chan struct{}, 1) // a backup finished: its age changed
	if a.Report != nil {
		done := make(chan struct{})
		go func() { a.reportLoop(ctx, kick); close(done) }()
		defer func() { <-done }()
	}
	var retryAt time.Time
	wait := a.Retry
	t := time.NewTicker(a.Tick)
	defer t.Stop()
	for {
		now := a.Now()
		if !known {
			l, err := a.Last(ctx)
			if err == nil {
				last, known = l, true
			} else {
				a.Log.Warn("cannot reach the server to learn the last backup; trying again", "err", err)
			}
		}
		if known && !now.Before(retryAt) {
			due, err := a.due(now, last)
			if err != nil {
				a.Log.Warn("the backup time is not valid; using 03:00", "err", err)
			}
			if due {
				a.Log.Info("backing up")
				when, err := a.Backup(ctx)
				switch {
				case err == nil:
					last, retryAt, wait = when, time.Time{}, a.Retry
					select {
					case kick <- struct{}{}:
					default:
					}
				case ctx.Err() != nil:
					return nil
				default:
					retryAt = a.Now().Add(wait)
					a.Log.Warn("the backup failed; trying again later", "err", err, "retry_in", wait)
					wait = min(2*wait, maxRetry)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// reportLoop reports the PC's health every ReportEvery by the wall clock, and at once
// when kicked, beside the backups: a first backup can take hours.
func (a *Agent) reportLoop(ctx context.Context, kick <-chan struct{}) {
	t := time.NewTicker(a.Tick)
	defer t.Stop()
	var next time.Time
	for {
		if !a.Now().Before(next) {
			if err := a.Report(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("could not report this PC's health; trying again later", "err", err)
			}
			next = a.Now().Add(a.ReportEvery)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
			next = time.Time{}
		}
	}
}

// due says whether a backup is due at now: the latest scheduled time has passed since
// the last backup, or there never was one.
func (a *Agent) due(now, last time.Time) (bool, error) {
	set, err := a.Settings()
	if err != nil {
		set = connector.BackupSettings{}
	}
	if last.IsZero() {
		return true, err
	}
	next, nerr := set.Next(now.AddDate(0, 0, -1))
	if nerr != nil {
		next, _ = connector.BackupSettings{}.Next(now.AddDate(0, 0, -1))
		err = nerr
	}
	// next is the first scheduled time after this moment yesterday: the latest one that
	// is not in the future.
	if next.After(now) {
		next = next.AddDate(0, 0, -1)
	}
	return last.Before(next), err
}
