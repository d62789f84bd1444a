package agent

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

// clock is a wall clock the test moves, as a PC's clock jumps when it wakes.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type fakeServer struct {
	mu      sync.Mutex
	away    bool
	backups []time.Time
	c       *clock
}

func (s *fakeServer) backup(context.Context, Job) (schema.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.away {
		return schema.Snapshot{}, errors.New("server unreachable")
	}
	t := s.c.Now()
	s.backups = append(s.backups, t)
	return schema.Snapshot{Time: t}, nil
}

func (s *fakeServer) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.backups) }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestNightlyCatchUpRetry(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.Local) }
	c := &clock{now: day(10, 12, 0)}
	srv := &fakeServer{c: c}
	last := day(10, 3, 0) // backed up last night
	a := &Agent{
		Settings: func() (connector.BackupSettings, error) { return connector.BackupSettings{At: "03:00"}, nil },
		Backup:   srv.backup,
		Last:     func(context.Context) (time.Time, error) { return last, nil },
		Now:      c.Now, Tick: time.Millisecond, Retry: time.Hour,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	time.Sleep(50 * time.Millisecond)
	if n := srv.count(); n != 0 {
		t.Fatalf("%d backups at noon after last night's; want none until 03:00", n)
	}
	c.Set(day(11, 3, 0))
	waitFor(t, "the nightly backup", func() bool { return srv.count() == 1 })

	// The PC sleeps through the next two nights and wakes at 08:00: one catch-up backup.
	c.Set(day(13, 8, 0))
	waitFor(t, "the catch-up backup", func() bool { return srv.count() == 2 })
	time.Sleep(50 * time.Millisecond)
	if n := srv.count(); n != 2 {
		t.Fatalf("%d backups after waking; want exactly one catch-up", n)
	}

	// The server is away at the next night: the agent retries after its wait.
	srv.mu.Lock()
	srv.away = true
	srv.mu.Unlock()
	c.Set(day(14, 3, 0))
	time.Sleep(50 * time.Millisecond)
	srv.mu.Lock()
	srv.away = false
	srv.mu.Unlock()
	time.Sleep(50 * time.Millisecond)
	if n := srv.count(); n != 2 {
		t.Fatalf("retried before the wait was over (%d backups)", n)
	}
	c.Set(day(14, 4, 1))
	waitFor(t, "the retry", func() bool { return srv.count() == 3 })
}

func TestFirstBackupAtOnce(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 10, 12, 0, 0, 0, time.Local)}
	srv := &fakeServer{c: c}
	a := &Agent{
		Settings: func() (connector.BackupSettings, error) { return connector.BackupSettings{}, nil },
		Backup:   srv.backup,
		Last:     func(context.Context) (time.Time, error) { return time.Time{}, nil },
		Now:      c.Now, Tick: time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)
	waitFor(t, "the first backup", func() bool { return srv.count() == 1 })
}

// TestHealthReports: the agent reports at start, again every ReportEvery by the wall
// clock (not more often), and at once after a backup, whose age the report carries.
func TestHealthReports(t *testing.T) {
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.Local) }
	c := &clock{now: day(10, 12, 0)}
	srv := &fakeServer{c: c}
	var mu sync.Mutex
	var reports []time.Time
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(reports) }
	a := &Agent{
		Settings: func() (connector.BackupSettings, error) { return connector.BackupSettings{At: "13:30"}, nil },
		Backup:   srv.backup,
		Last:     func(context.Context) (time.Time, error) { return day(10, 3, 0), nil },
		Report: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			reports = append(reports, c.Now())
			return nil
		},
		ReportEvery: time.Hour,
		Now:         c.Now, Tick: time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, "the first report", func() bool { return count() == 1 })
	c.Set(day(10, 12, 30))
	time.Sleep(50 * time.Millisecond)
	if n := count(); n != 1 {
		t.Fatalf("%d reports within the hour; want 1", n)
	}
	c.Set(day(10, 13, 0))
	waitFor(t, "the report an hour later", func() bool { return count() == 2 })
	c.Set(day(10, 13, 30)) // the backup is due; the next report would be at 14:00
	waitFor(t, "a report right after the backup", func() bool { return srv.count() == 1 && count() == 3 })
	time.Sleep(50 * time.Millisecond)
	if n := count(); n != 3 {
		t.Fatalf("%d reports by 13:30; want 3", n)
	}
}

// TestReportsDuringALongBackup: a first backup can take hours; the PC's health is still
// reported meanwhile.
func TestReportsDuringALongBackup(t *testing.T) {
	c := &clock{now: time.Date(2026, 11, 10, 12, 0, 0, 0, time.Local)}
	release := make(chan struct{})
	var mu sync.Mutex
	reports := 0
	a := &Agent{
		Settings: func() (connector.BackupSettings, error) { return connector.BackupSettings{At: "03:00"}, nil },
		Backup: func(ctx context.Context, _ Job) (schema.Snapshot, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return schema.Snapshot{Time: c.Now()}, nil
		},
		Last:        func(context.Context) (time.Time, error) { return time.Time{}, nil }, // never: backs up at once
		Report:      func(context.Context) error { mu.Lock(); reports++; mu.Unlock(); return nil },
		ReportEvery: time.Hour,
		Now:         c.Now, Tick: time.Millisecond,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	count := func() int { mu.Lock(); defer mu.Unlock(); return reports }
	waitFor(t, "the first report", func() bool { return count() == 1 })
	c.Set(c.Now().Add(2 * time.Hour)) // still backing up
	waitFor(t, "a report during the backup", func() bool { return count() == 2 })
	close(release)
}
