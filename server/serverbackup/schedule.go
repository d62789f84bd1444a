package serverbackup

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrDaily: the time of a daily run is written HH:MM.
var ErrDaily = errors.New("give the time of the daily backup as HH:MM, such as 03:00")

// parseDaily reads "HH:MM".
func parseDaily(s string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, 0, ErrDaily
	}
	return t.Hour(), t.Minute(), nil
}

// retryAfter is how long after a failed run the next try waits: a drive unplugged at
// the set time is backed up within the hour it comes back, without hammering it.
const retryAfter = time.Hour

// due reports whether a scheduled job should run at now: its last success is older than
// the latest daily time at or before now, and its last try (if it failed) is more than
// retryAfter ago. A server that was off at the set time runs the job once when it
// starts again, not once for each day missed.
func due(job Job, now time.Time, loc *time.Location) bool {
	if job.Daily == "" {
		return false
	}
	h, m, err := parseDaily(job.Daily)
	if err != nil {
		return false
	}
	local := now.In(loc)
	slot := time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, loc)
	if slot.After(now) {
		slot = slot.AddDate(0, 0, -1)
	}
	since := job.Created
	if job.LastSuccess.After(since) {
		since = job.LastSuccess
	}
	if !since.Before(slot) {
		return false
	}
	if r := job.LastRun; r != nil && r.Error != "" && now.Sub(r.Finished) < retryAfter {
		return false
	}
	return true
}

// next is when the schedule runs job next after now: now itself when it is due (the
// loop takes it within a minute), the hour after a failed try, else the next daily
// time. Zero for a job run only when asked.
func next(job Job, now time.Time, loc *time.Location) time.Time {
	if job.Daily == "" {
		return time.Time{}
	}
	h, m, err := parseDaily(job.Daily)
	if err != nil {
		return time.Time{}
	}
	if due(job, now, loc) {
		return now
	}
	if r := job.LastRun; r != nil && r.Error != "" && now.Sub(r.Finished) < retryAfter {
		return r.Finished.Add(retryAfter)
	}
	local := now.In(loc)
	slot := time.Date(local.Year(), local.Month(), local.Day(), h, m, 0, 0, loc)
	if !slot.After(now) {
		slot = slot.AddDate(0, 0, 1)
	}
	return slot
}

// overdueAfter is how long after its daily time a job may go without a backup before
// the family is told: the retries of a few hours (a drive plugged back in at breakfast)
// come first.
const overdueAfter = 6 * time.Hour

// Overdue is a server backup that has not succeeded since a daily time more than
// overdueAfter ago: its drive is unplugged, its store unreachable, or its runs fail.
type Overdue struct {
	Name, Target string
	// LastSuccess is when its last good backup began (zero: none yet); Error is why the
	// last run failed, in words ("" if it has not run since).
	LastSuccess time.Time
	Error       string
}

// Overdue lists the scheduled jobs whose backups are overdue at now (the health
// monitor raises an alert for each).
func (j *Jobs) Overdue(ctx context.Context, now time.Time) ([]Overdue, error) {
	j.mu.Lock()
	jobs, err := j.load()
	j.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var out []Overdue
	for _, job := range jobs {
		if overdue(job, now, j.loc()) {
			o := Overdue{Name: job.Name, Target: job.Target.String(), LastSuccess: job.LastSuccess}
			if r := job.LastRun; r != nil {
				o.Error = r.Error
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// overdue: the job's latest daily time at least overdueAfter ago has passed without a
// backup since.
func overdue(job Job, now time.Time, loc *time.Location) bool {
	return job.Daily != "" && due(Job{Daily: job.Daily, Created: job.Created, LastSuccess: job.LastSuccess}, now.Add(-overdueAfter), loc)
}

// checkEvery is how often Loop looks for jobs that are due.
const checkEvery = time.Minute

// Loop runs the jobs when they are due, one after another, until ctx ends.
func (j *Jobs) Loop(ctx context.Context) error {
	// Kept after Loop returns: a run started after the shutdown began ends at once.
	j.lifeMu.Lock()
	j.life = ctx
	j.lifeMu.Unlock()
	t := time.NewTicker(j.every)
	defer t.Stop()
	for {
		j.runDue(ctx, j.loc())
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// runDue runs every job that is due now.
func (j *Jobs) runDue(ctx context.Context, loc *time.Location) {
	j.mu.Lock()
	jobs, err := j.load()
	j.mu.Unlock()
	if err != nil {
		j.log.Warn("the server backups could not be read; none runs until they can", "err", err)
		return
	}
	for _, job := range jobs {
		if ctx.Err() != nil || !due(job, j.now(), loc) {
			continue
		}
		info, err := j.Run(ctx, job.Name)
		switch {
		case errors.Is(err, ErrRunning):
		case err != nil:
			j.log.Warn("a scheduled server backup failed; it is tried again in an hour", "job", job.Name, "err", err)
		default:
			j.log.Info("scheduled server backup done", "job", job.Name, "files", info.Files, "added", info.Added)
		}
	}
}

// checkSchedule checks a job's daily time when it has one.
func checkSchedule(job Job) error {
	if job.Daily == "" {
		return nil
	}
	if _, _, err := parseDaily(job.Daily); err != nil {
		return fmt.Errorf("%w (got %q)", ErrDaily, job.Daily)
	}
	return nil
}
