package serverbackup

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDue(t *testing.T) {
	loc := time.FixedZone("home", 2*3600)
	at := func(day, hour, min int) time.Time { return time.Date(2026, 12, day, hour, min, 0, 0, loc) }
	created := at(1, 12, 0)
	failed := func(finished time.Time) *RunInfo {
		return &RunInfo{Finished: finished, Error: "the drive is not plugged in"}
	}
	tests := []struct {
		what string
		job  Job
		now  time.Time
		want bool
	}{
		{"not scheduled", Job{Created: created}, at(5, 3, 0), false},
		{"made after today's time: not before tomorrow's", Job{Daily: "03:00", Created: created}, at(1, 23, 0), false},
		{"the first time comes", Job{Daily: "03:00", Created: created}, at(2, 3, 0), true},
		{"done today", Job{Daily: "03:00", Created: created, LastSuccess: at(2, 3, 0)}, at(2, 9, 0), false},
		{"the next day", Job{Daily: "03:00", Created: created, LastSuccess: at(2, 3, 0)}, at(3, 3, 1), true},
		{"the server was off for days: once", Job{Daily: "03:00", Created: created, LastSuccess: at(2, 3, 0)}, at(9, 17, 0), true},
		{"failed a moment ago: wait", Job{Daily: "03:00", Created: created, LastRun: failed(at(2, 3, 1))}, at(2, 3, 30), false},
		{"failed over an hour ago: try again", Job{Daily: "03:00", Created: created, LastRun: failed(at(2, 3, 1))}, at(2, 4, 2), true},
		{"in the server's time zone", Job{Daily: "03:00", Created: created}, time.Date(2026, 12, 2, 0, 59, 0, 0, time.UTC), false},
		{"in the server's time zone, past it", Job{Daily: "03:00", Created: created}, time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		if got := due(tc.job, tc.now, loc); got != tc.want {
			t.Errorf("%s: due = %v, want %v", tc.what, got, tc.want)
		}
	}
}

// Loop runs a job that is due by itself, and records it, with the clock moved rather
// than waited for.
func TestLoopRunsDueJob(t *testing.T) {
	env, files := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, func() *time.Location { return time.UTC })
	jobs.every = 10 * time.Millisecond
	clock := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	jobs.now = func() time.Time { return clock }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := jobs.Add(ctx, Job{Name: "nightly", Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos", "Documents"}, Daily: "03:00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Add(ctx, Job{Name: "bad", Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos"}, Daily: "25:00"}); err == nil {
		t.Error("a daily time of 25:00 was taken")
	}
	jobs.runDue(ctx, time.UTC)
	if list, _ := jobs.List(ctx); list[0].LastRun != nil {
		t.Fatal("the job ran before its time")
	}
	clock = clock.Add(16 * time.Hour) // 04:00 the next day
	done := make(chan error, 1)
	go func() { done <- jobs.Loop(ctx) }()
	deadline := time.Now().Add(time.Minute)
	for {
		list, _ := jobs.List(ctx)
		if r := list[0].LastRun; r != nil {
			if r.Error != "" || r.Files != int64(len(files)) || !list[0].LastSuccess.Equal(clock) {
				t.Errorf("the scheduled run: %+v, last success %v", r, list[0].LastSuccess)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the due job did not run")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

// When a job runs next (the console shows it) and when its backup counts as overdue (an
// alert in the server's health).
func TestNextAndOverdue(t *testing.T) {
	loc := time.FixedZone("home", 2*3600)
	at := func(day, hour, min int) time.Time { return time.Date(2026, 12, day, hour, min, 0, 0, loc) }
	created := at(1, 12, 0)
	failed := &RunInfo{Finished: at(2, 3, 1), Error: "the backup folder is not there; is the drive plugged in?"}
	tests := []struct {
		what    string
		job     Job
		now     time.Time
		next    time.Time
		overdue bool
	}{
		{"not scheduled", Job{Created: created}, at(9, 3, 0), time.Time{}, false},
		{"new: tomorrow's time", Job{Daily: "03:00", Created: created}, at(1, 13, 0), at(2, 3, 0), false},
		{"done today: tomorrow", Job{Daily: "03:00", Created: created, LastSuccess: at(2, 3, 0)}, at(2, 9, 0), at(3, 3, 0), false},
		{"failed: an hour later", Job{Daily: "03:00", Created: created, LastRun: failed}, at(2, 3, 30), at(2, 4, 1), false},
		{"failing all morning: overdue", Job{Daily: "03:00", Created: created, LastRun: failed}, at(2, 9, 30), at(2, 9, 30), true},
		{"the drive was away for days: overdue", Job{Daily: "03:00", Created: created, LastSuccess: at(2, 3, 0)}, at(5, 10, 0), at(5, 10, 0), true},
		{"a backup since: not overdue", Job{Daily: "03:00", Created: created, LastSuccess: at(5, 10, 5)}, at(5, 11, 0), at(6, 3, 0), false},
		{"run only when asked: never overdue", Job{Created: created}, at(30, 3, 0), time.Time{}, false},
	}
	for _, tc := range tests {
		if got := next(tc.job, tc.now, loc); !got.Equal(tc.next) {
			t.Errorf("%s: next = %v, want %v", tc.what, got, tc.next)
		}
		if got := overdue(tc.job, tc.now, loc); got != tc.overdue {
			t.Errorf("%s: overdue = %v, want %v", tc.what, got, tc.overdue)
		}
	}
}

// A run started from the console ends with the daemon (Loop's context): a shutdown
// stops it, recorded in words, rather than leave it running past the pool's close.
func TestStartEndsWithTheDaemon(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	jobs.every = time.Hour
	if _, err := jobs.Add(ctx, Job{Name: "disk", Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos"}}); err != nil {
		t.Fatal(err)
	}
	life, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- jobs.Loop(life) }()
	for {
		jobs.lifeMu.Lock()
		set := jobs.life != nil
		jobs.lifeMu.Unlock()
		if set {
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	<-done
	if err := jobs.Start(ctx, "disk"); err != nil {
		t.Fatal(err)
	}
	for {
		list, err := jobs.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !list[0].Running {
			if r := list[0].LastRun; r == nil || !strings.Contains(r.Error, "shutting down") {
				t.Errorf("a run started as the daemon stops: %+v", r)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
