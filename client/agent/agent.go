// Package agent is the connector's background service and the one process on a PC that
// backs it up: every night at the set time, catching up when the PC was off or asleep
// then, retrying, waiting longer each time, while the server cannot be reached, and
// whenever the tray, the console or the hearth command asks it over its local channel,
// which also tells them what it does. Every few minutes it reports the PC's health.
package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/server/api/schema"
)

// Agent schedules backups, runs those asked for, one at a time, and says what it does.
type Agent struct {
	// Settings returns the PC's backup settings (read again each time: they may change);
	// connector.ErrNotJoined while the PC has not joined a server.
	Settings func() (connector.BackupSettings, error)
	// Backup backs up now, as job says, and returns the backup.
	Backup func(ctx context.Context, job Job) (schema.Snapshot, error)
	// Words says in words for a person why a backup failed; nil uses the error's text.
	Words func(error) string
	// Listener, when set, is the local channel the agent serves while it runs.
	Listener *localapi.Listener
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

	mu      sync.Mutex
	st      localapi.State
	changed chan struct{}   // closed at the next change of st
	ctx     context.Context // Run's: the backups run under it
	done    chan outcome    // a backup ended
	running sync.WaitGroup
}

const maxRetry = time.Hour

// Run schedules backups, and serves the local channel when there is one, until ctx ends.
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
	a.begin(ctx)
	defer a.running.Wait() // a backup ends with ctx
	if a.Listener != nil {
		served := make(chan struct{})
		go func() { localapi.Serve(ctx, a.Listener, a, a.Log); close(served) }()
		defer func() { <-served }()
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
		set, joined := a.settings()
		if !known && joined {
			l, err := a.Last(ctx)
			if err == nil {
				last, known = l, true
			} else {
				a.Log.Warn("cannot reach the server to learn the last backup; trying again", "err", err)
			}
		}
		due := false
		if known && joined {
			var err error
			if due, err = a.due(set, now, last); err != nil {
				a.Log.Warn("the backup time is not valid; using 03:00", "err", err)
			}
		}
		a.plan(set, joined, now, due, retryAt)
		if due && !now.Before(retryAt) {
			if _, started, _ := a.Start(localapi.Request{By: localapi.BySchedule}); started {
				a.Log.Info("backing up, as the schedule says")
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case o := <-a.done:
			if o.err == nil {
				last, known, retryAt, wait = o.when, true, time.Time{}, a.Retry
				select {
				case kick <- struct{}{}:
				default:
				}
			} else if ctx.Err() == nil {
				retryAt = a.Now().Add(wait)
				a.Log.Warn("the backup failed; trying again later", "err", o.err, "retry_in", wait)
				wait = min(2*wait, maxRetry)
			}
		}
	}
}

// settings are the PC's backup settings; joined is false while it has not joined.
func (a *Agent) settings() (set connector.BackupSettings, joined bool) {
	set, err := a.Settings()
	if errors.Is(err, connector.ErrNotJoined) {
		return set, false
	}
	if err != nil {
		a.Log.Warn("cannot read this PC's backup settings; using the usual ones", "err", err)
		return connector.BackupSettings{}, true
	}
	return set, true
}

// plan says in the state whether the PC has joined and when the agent backs up next.
func (a *Agent) plan(set connector.BackupSettings, joined bool, now time.Time, due bool, retryAt time.Time) {
	var next time.Time
	switch {
	case !joined:
	case now.Before(retryAt):
		next = retryAt
	case due:
		next = now
	default:
		var err error
		if next, err = set.Next(now); err != nil {
			next, _ = connector.BackupSettings{}.Next(now)
		}
	}
	a.update(func(st *localapi.State) bool {
		if st.Joined == joined && st.Next.Equal(next) {
			return false
		}
		st.Joined, st.Next = joined, next
		return true
	})
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

// due says whether a backup is due at now by settings set: the latest scheduled time has
// passed since the last backup, or there never was one.
func (a *Agent) due(set connector.BackupSettings, now, last time.Time) (bool, error) {
	if last.IsZero() {
		return true, nil
	}
	var err error
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
