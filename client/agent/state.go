package agent

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/localapi"
)

// Job is one backup as it was asked for.
type Job struct {
	By               string
	Include, Exclude []string // when set, instead of the PC's settings
	Progress         func(archiver.Progress)
	Waiting          func(why string)
}

// outcome is how a backup ended, for the schedule.
type outcome struct {
	when time.Time
	err  error
}

// progressEvery is how often a running backup's progress is told: the tray and console
// redraw on each word, and a redraw many times a second flickers.
const progressEvery = 250 * time.Millisecond

// errStarting answers a backup asked for before the agent runs.
var errStarting = errors.New("the Hearth agent is still starting; try again in a moment")

func (a *Agent) begin(ctx context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ctx, a.done = ctx, make(chan outcome) // unbuffered: see run
	a.st.PID = os.Getpid()
	if a.changed == nil {
		a.changed = make(chan struct{})
	}
}

// State is what the agent does now, and a channel closed at its next change.
func (a *Agent) State() (localapi.State, <-chan struct{}) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.changed == nil {
		a.changed = make(chan struct{})
	}
	st := a.st
	if st.Progress != nil {
		p := *st.Progress
		st.Progress = &p
	}
	return st, a.changed
}

// update changes the state with f and, when f says it changed, tells those waiting.
func (a *Agent) update(f func(*localapi.State) bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !f(&a.st) {
		return
	}
	if a.changed != nil {
		close(a.changed)
	}
	a.changed = make(chan struct{})
}

// Start starts a backup as req asks, unless one runs: then that one stands for it, and
// started is false. The state returned has the running backup.
func (a *Agent) Start(req localapi.Request) (localapi.State, bool, error) {
	if _, joined := a.settings(); !joined {
		st, _ := a.State()
		return st, false, localapi.ErrNotJoined
	}
	a.mu.Lock()
	ctx := a.ctx
	if ctx == nil || ctx.Err() != nil {
		a.mu.Unlock()
		return localapi.State{}, false, errStarting
	}
	if a.st.Running {
		a.mu.Unlock()
		st, _ := a.State()
		return st, false, nil
	}
	a.running.Add(1)
	a.mu.Unlock()
	a.update(func(st *localapi.State) bool {
		st.Running, st.By, st.Started, st.Progress, st.Waiting = true, req.By, a.Now(), nil, ""
		st.Run++
		return true
	})
	st, _ := a.State()
	go a.run(ctx, st.Run, req)
	return st, true, nil
}

// run is one backup, from start to its result in the state.
func (a *Agent) run(ctx context.Context, run uint64, req localapi.Request) {
	defer a.running.Done()
	var told time.Time
	job := Job{By: req.By, Include: req.Include, Exclude: req.Exclude,
		Progress: func(p archiver.Progress) {
			if !p.Done && time.Since(told) < progressEvery {
				return
			}
			told = time.Now()
			a.update(func(st *localapi.State) bool { st.Progress, st.Waiting = localapi.ProgressOf(p), ""; return true })
		},
		Waiting: func(why string) {
			a.update(func(st *localapi.State) bool { st.Waiting = why; return true })
		},
	}
	snap, err := a.Backup(ctx, job)
	res := &localapi.Result{Run: run, By: req.By, Ended: a.Now(), OK: err == nil}
	if err == nil {
		res.Words, res.Snapshot = localapi.DoneWords(snap), &snap
		a.Log.Info("backed up", "by", req.By, "files", snap.Files, "bytes", snap.Bytes, "new", snap.Added)
	} else {
		res.Words = "The backup failed: " + a.words(err)
		if ctx.Err() != nil {
			res.Words = "The backup was stopped, as the agent was, before it finished."
		}
		a.Log.Warn("the backup failed", "by", req.By, "err", err)
	}
	// The schedule learns of it first (the channel is unbuffered: it has it in hand once
	// this send returns): until the state says no backup runs, no other starts, so the
	// schedule cannot start another for a night just backed up.
	select {
	case a.done <- outcome{when: snap.Time, err: err}:
	case <-ctx.Done():
	}
	a.update(func(st *localapi.State) bool {
		st.Running, st.Progress, st.Waiting, st.Last = false, nil, "", res
		return true
	})
}

func (a *Agent) words(err error) string {
	if a.Words != nil {
		return a.Words(err)
	}
	return err.Error()
}

var _ localapi.Backend = (*Agent)(nil)
