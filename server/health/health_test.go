package health_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// env is a real pool of drives with its backup store, watched by a monitor.
type env struct {
	*pooltest.Env
	st  *backupstore.Store
	opt health.Options
	now time.Time
}

func newEnv(t testing.TB, drives int) *env {
	t.Helper()
	e := &env{Env: pooltest.New(t, drives), now: time.Now()}
	st, err := backupstore.Open(context.Background(), backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db"),
		Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.st = st
	e.opt = health.Options{Catalog: e.Env.Cat, Pool: e.Pool, Backups: st, Every: time.Hour, SMARTEvery: time.Hour,
		BackupOverdue: 72 * time.Hour, ScrubEvery: 720 * time.Hour, Now: func() time.Time { return e.now }}
	return e
}

func (e *env) monitor(t *testing.T) *health.Monitor {
	t.Helper()
	m, err := health.New(context.Background(), e.opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func check(t *testing.T, m *health.Monitor) schema.Health {
	t.Helper()
	if err := m.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := m.Health(health.Viewer{Admin: true})
	for _, a := range h.Alerts {
		if strings.Contains(a.Title+a.Sentence, "{") {
			t.Errorf("a word is left unfilled: %+v", a)
		}
	}
	return h
}

func alert(h schema.Health, code, subject string) *schema.Alert {
	for _, a := range h.Alerts {
		if a.Code == code && a.Subject == subject {
			return &a
		}
	}
	return nil
}

func label(t *testing.T, e *env, path string) string {
	t.Helper()
	return e.DriveInfo(path).Label
}

func healthEvents(t *testing.T, m *health.Monitor) []string {
	t.Helper()
	evs, err := m.Events(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Source+": "+e.Text)
	}
	return out
}

// TestDriveVanishesAndReturns: a drive whose folder goes away turns the server critical
// with a sentence naming it; when it comes back the alert clears itself, and both are
// recorded as events.
func TestDriveVanishesAndReturns(t *testing.T) {
	e := newEnv(t, 2)
	e.Share("Photos", 2)
	e.Put("Photos/cat.jpg", []byte("meow"))
	e.Run()
	m := e.monitor(t)
	b := e.Drives[1]
	name := label(t, e, b)
	h := check(t, m)
	if a := alert(h, "drive-missing", name); a != nil {
		t.Fatalf("a present drive is reported missing: %+v", a)
	}
	changed := m.Changed()

	if err := os.Rename(b, b+".unplugged"); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 20*time.Second, "the pool sees the drive gone", func() bool { return e.DriveState(b) == pool.StateMissing })
	h = check(t, m)
	a := alert(h, "drive-missing", name)
	if a == nil || a.Severity != schema.Critical || h.State != schema.Critical || !strings.Contains(a.Sentence, b) {
		t.Fatalf("after the drive vanished: state %s, alert %+v; all: %+v", h.State, a, h.Alerts)
	}
	if dup := alert(h, "duplication-pending", ""); dup == nil || !strings.Contains(dup.Sentence, "1 file is waiting") {
		t.Errorf("the photo lost its second copy, but no alert says so: %+v", h.Alerts)
	}
	select {
	case <-changed:
	default:
		t.Error("watchers were not told of the new alert")
	}
	for _, d := range h.Drives {
		if d.Path == b && (d.State != schema.Critical || d.Pool != "missing") {
			t.Errorf("the missing drive's line: %+v", d)
		}
	}

	if err := os.Rename(b+".unplugged", b); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 20*time.Second, "the pool takes the drive back", func() bool { return e.DriveState(b) == pool.StateActive })
	h = check(t, m)
	if a := alert(h, "drive-missing", name); a != nil {
		t.Fatalf("the drive is back but the alert stays: %+v", a)
	}
	evs := strings.Join(healthEvents(t, m), "\n")
	if !strings.Contains(evs, name+": critical: "+name+" is missing") || !strings.Contains(evs, name+": cleared: "+name+" is missing") {
		t.Errorf("events:\n%s", evs)
	}
}

// report is a PC's report with one firewall check in the given state.
func report(state string) schema.PCReport {
	return schema.PCReport{OS: "linux", Time: time.Now(), Checks: []schema.Check{
		{ID: "disk:/", Area: "storage", State: schema.Good, Title: "Disk /", Sentence: "Disk / has 80 GB free of 250 GB."},
		{ID: "firewall", Area: "network", State: state, Title: "Firewall", Sentence: "The firewall (ufw) is " + map[string]string{schema.Good: "on.", schema.Warning: "off. Turn it on with 'sudo ufw enable'."}[state]},
	}}
}

// TestPCReports: a PC's warning becomes an alert on that PC, visible to its owner and
// administrators only, and clears with the next good report. The alert's start time
// survives a restart without being announced again.
func TestPCReports(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 1)
	m := e.monitor(t)
	check(t, m)
	if err := m.Report(ctx, "Mum's laptop", "mum", false, report(schema.Warning)); err != nil {
		t.Fatal(err)
	}
	h := m.Health(health.Viewer{Name: "mum"})
	a := alert(h, "pc-check", "firewall")
	if a == nil || a.PC != "Mum's laptop" || a.Severity != schema.Warning || a.Title != "Mum's laptop: Firewall" || !strings.Contains(a.Sentence, "sudo ufw enable") {
		t.Fatalf("mum's view: %+v", h.Alerts)
	}
	if len(h.PCs) != 1 || h.PCs[0].State != schema.Warning || h.PCs[0].Owner != "mum" || len(h.PCs[0].Checks) != 2 {
		t.Errorf("mum's PCs: %+v", h.PCs)
	}
	if alert(h, "backup-never", "Mum's laptop") == nil {
		t.Errorf("a PC that never backed up is not flagged: %+v", h.Alerts)
	}
	// Mum sees the drives' state, not where the server mounts them (issue 17).
	for _, d := range h.Drives {
		if d.Path != "" {
			t.Errorf("mum sees the drive's folder %s", d.Path)
		}
	}
	if len(h.Drives) == 0 || check(t, m).Drives[0].Path == "" {
		t.Errorf("drives: mum's %+v; an administrator sees the folders", h.Drives)
	}
	if h := m.Health(health.Viewer{Name: "dad"}); len(h.PCs) != 0 || alert(h, "pc-check", "firewall") != nil {
		t.Errorf("dad sees mum's PC: %+v", h)
	}
	if h := m.Health(health.Viewer{Name: "dad", Admin: true}); alert(h, "pc-check", "firewall") == nil {
		t.Errorf("an administrator does not see mum's PC: %+v", h)
	}
	if err := m.Report(ctx, "mum's LAPTOP", "dad", false, report(schema.Good)); !errors.Is(err, health.ErrNotOwner) {
		t.Errorf("dad reported for mum's PC: %v", err)
	}
	since := a.Since

	e.now = e.now.Add(time.Hour)
	m2 := e.monitor(t) // a restart; the PC reports again before the server's first check
	if err := m2.Report(ctx, "MUM'S LAPTOP", "mum", false, report(schema.Warning)); err != nil {
		t.Fatal(err)
	}
	if err := m2.Check(ctx); err != nil {
		t.Fatal(err)
	}
	h = m2.Health(health.Viewer{Admin: true})
	if a := alert(h, "pc-check", "firewall"); a == nil || !a.Since.Equal(since) {
		t.Errorf("after a restart the firewall alert is %+v; want it kept, since %v", a, since)
	}
	if n := strings.Count(strings.Join(healthEvents(t, m2), "\n"), "Firewall"); n != 1 {
		t.Errorf("the firewall alert was announced %d times; want once:\n%s", n, strings.Join(healthEvents(t, m2), "\n"))
	}
	if err := m2.Report(ctx, "Mum's laptop", "mum", false, report(schema.Good)); err != nil {
		t.Fatal(err)
	}
	h = m2.Health(health.Viewer{Name: "mum"})
	if a := alert(h, "pc-check", "firewall"); a != nil || h.PCs[0].Checks[1].State != schema.Good {
		t.Errorf("after the firewall was turned on: %+v", h)
	}
}

// TestBadReports: a report the tray could not show is refused, and nothing is kept.
func TestBadReports(t *testing.T) {
	long := strings.Repeat("x", 2000)
	many := make([]schema.Check, 65)
	for i := range many {
		many[i] = schema.Check{ID: "c" + string(rune('A'+i)), Area: "storage", State: schema.Good, Title: "t"}
	}
	for _, c := range []struct {
		name, pc string
		checks   []schema.Check
	}{
		{"bad PC name", "../etc", nil},
		{"empty PC name", "", nil},
		{"bad state", "pc", []schema.Check{{ID: "a", Area: "storage", State: "on fire", Title: "t"}}},
		{"bad area", "pc", []schema.Check{{ID: "a", Area: "kitchen", State: schema.Good, Title: "t"}}},
		{"no id", "pc", []schema.Check{{Area: "storage", State: schema.Good, Title: "t"}}},
		{"no title", "pc", []schema.Check{{ID: "a", Area: "storage", State: schema.Good}}},
		{"repeated id", "pc", []schema.Check{{ID: "a", Area: "storage", State: schema.Good, Title: "t"}, {ID: "a", Area: "storage", State: schema.Good, Title: "t"}}},
		{"long sentence", "pc", []schema.Check{{ID: "a", Area: "storage", State: schema.Good, Title: "t", Sentence: long}}},
		{"too many checks", "pc", many},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, 1)
			m := e.monitor(t)
			err := m.Report(context.Background(), c.pc, "mum", false, schema.PCReport{OS: "linux", Checks: c.checks})
			if !errors.Is(err, health.ErrBadReport) {
				t.Fatalf("got %v, want ErrBadReport", err)
			}
			var n int
			e.Env.Cat.View(context.Background(), func(tx *catalog.Tx) error {
				rs, err := tx.PCReports(context.Background())
				n = len(rs)
				return err
			})
			if n != 0 || len(m.Health(health.Viewer{Admin: true}).PCs) != 0 {
				t.Errorf("a refused report was kept")
			}
		})
	}
}

// TestBackupOverdue: a PC whose newest backup is older than the limit is flagged, with
// its age, and the alert goes when it backs up again.
func TestBackupOverdue(t *testing.T) {
	e := newEnv(t, 1)
	m := e.monitor(t)
	backupfstest.Backup(t, e.st, "Den PC", "dad", e.now, "/home/dad", []backupfstest.Entry{{Path: "a.txt", Data: []byte("hello"), Mtime: e.now}})
	h := check(t, m)
	if a := alert(h, "backup-overdue", "Den PC"); a != nil {
		t.Fatalf("a PC that just backed up is overdue: %+v", a)
	}
	if len(h.PCs) != 1 || h.PCs[0].LastBackup == nil || h.PCs[0].Owner != "dad" {
		t.Fatalf("PCs: %+v", h.PCs)
	}
	e.now = e.now.Add(4 * 24 * time.Hour)
	h = check(t, m)
	a := alert(h, "backup-overdue", "Den PC")
	if a == nil || a.PC != "Den PC" || !strings.Contains(a.Sentence, "4 days ago") {
		t.Fatalf("4 days later: %+v", h.Alerts)
	}
	if v := m.Health(health.Viewer{Name: "mum"}); alert(v, "backup-overdue", "Den PC") != nil || len(v.PCs) != 0 {
		t.Errorf("mum sees dad's PC: %+v", v)
	}
	backupfstest.Backup(t, e.st, "Den PC", "dad", e.now, "/home/dad", []backupfstest.Entry{{Path: "a.txt", Data: []byte("hello again"), Mtime: e.now}})
	if a := alert(check(t, m), "backup-overdue", "Den PC"); a != nil {
		t.Errorf("after a new backup: %+v", a)
	}
}

// TestFailingDisk: a drive whose disk says it is failing raises a critical alert that
// names the drive and offers to move its files off; a healthy disk raises nothing, and
// a drive with no SMART says why on its line.
func TestFailingDisk(t *testing.T) {
	e := newEnv(t, 3)
	sick, well, virtual := e.Drives[0], e.Drives[1], e.Drives[2]
	e.opt.SMART = smart.Recorded{Files: os.DirFS("smart/testdata")}
	e.opt.DeviceOf = func(path string) (string, error) {
		switch path {
		case sick:
			return "/dev/smart-fail2", nil
		case well:
			return "/dev/smart-ata", nil
		}
		return "", fmt.Errorf("%w: a loop device", smart.ErrNoSMART)
	}
	m := e.monitor(t)
	h := check(t, m)
	a := alert(h, "drive-smart-failing", label(t, e, sick))
	if a == nil || a.Severity != schema.Critical || a.Action == nil || a.Action.Kind != "evacuate" || a.Action.Drive != label(t, e, sick) {
		t.Fatalf("the failing disk's alert: %+v; all %+v; drives %+v", a, h.Alerts, h.Drives)
	}
	for _, code := range []string{"drive-smart-failing", "drive-smart-warning"} {
		if a := alert(h, code, label(t, e, well)); a != nil {
			t.Errorf("the healthy disk raised %+v", a)
		}
	}
	lines := map[string]schema.DriveInfo{}
	for _, d := range h.Drives {
		lines[d.Path] = d
	}
	if d := lines[well]; d.State != schema.Good || d.Model == "" || d.Temperature == 0 {
		t.Errorf("the healthy drive's line: %+v", d)
	}
	if d := lines[virtual]; d.State != schema.Unknown || !strings.Contains(d.SMART, "loop device") {
		t.Errorf("the drive without SMART: %+v", d)
	}
	if d := lines[sick]; d.State != schema.Critical {
		t.Errorf("the failing drive's line: %+v", d)
	}
}

// TestRunNoticesADriveAtOnce: between full checks (an hour apart here), a drive that
// goes missing is noticed within seconds.
func TestRunNoticesADriveAtOnce(t *testing.T) {
	e := newEnv(t, 2)
	e.Run()
	e.opt.Every = time.Hour
	m := e.monitor(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	b := e.Drives[1]
	pooltest.Eventually(t, 10*time.Second, "the first check", func() bool { return len(m.Health(health.Viewer{Admin: true}).Drives) == 2 })
	if err := os.Rename(b, b+".unplugged"); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 20*time.Second, "the missing drive's alert", func() bool {
		return alert(m.Health(health.Viewer{Admin: true}), "drive-missing", label(t, e, b)) != nil
	})
}

// TestRestartKeepsServerAlerts: after a restart, a PC reporting before the server's first
// check neither clears the server's alerts nor restarts their "since".
func TestRestartKeepsServerAlerts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 2)
	e.Run()
	b := e.Drives[1]
	if err := os.Rename(b, b+".unplugged"); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 20*time.Second, "the pool sees the drive gone", func() bool { return e.DriveState(b) == pool.StateMissing })
	a := alert(check(t, e.monitor(t)), "drive-missing", label(t, e, b))
	if a == nil {
		t.Fatal("no alert for the missing drive")
	}
	e.now = e.now.Add(time.Hour)
	m := e.monitor(t)
	if err := m.Report(ctx, "Laptop", "mum", false, report(schema.Good)); err != nil {
		t.Fatal(err)
	}
	if got := alert(check(t, m), "drive-missing", label(t, e, b)); got == nil || !got.Since.Equal(a.Since) {
		t.Errorf("after the restart: %+v, want since %v", got, a.Since)
	}
	evs := strings.Join(healthEvents(t, m), "\n")
	if strings.Count(evs, "is missing") != 1 || strings.Contains(evs, "cleared") {
		t.Errorf("events:\n%s", evs)
	}
}

// flaky is a disk reader whose disk stops answering when told to: a dying disk times out.
type flaky struct {
	smart.Reader
	silent atomic.Bool
}

func (f *flaky) Read(ctx context.Context, dev string) (smart.Report, error) {
	if f.silent.Load() {
		return smart.Report{}, context.DeadlineExceeded
	}
	return f.Reader.Read(ctx, dev)
}

// TestSilentDiskKeepsItsVerdict: a failing disk that stops answering stays failing; a
// read that times out does not clear the alert.
func TestSilentDiskKeepsItsVerdict(t *testing.T) {
	e := newEnv(t, 1)
	r := &flaky{Reader: smart.Recorded{Files: os.DirFS("smart/testdata")}}
	e.opt.SMART, e.opt.SMARTEvery = r, time.Nanosecond
	e.opt.DeviceOf = func(string) (string, error) { return "/dev/smart-fail2", nil }
	m := e.monitor(t)
	name := label(t, e, e.Drives[0])
	first := alert(check(t, m), "drive-smart-failing", name)
	if first == nil {
		t.Fatal("no alert for the failing disk")
	}
	r.silent.Store(true)
	e.now = e.now.Add(time.Hour)
	h := check(t, m)
	if a := alert(h, "drive-smart-failing", name); a == nil || !a.Since.Equal(first.Since) {
		t.Fatalf("after the disk went silent: %+v", h.Alerts)
	}
	if !strings.Contains(h.Drives[0].SMART, "did not answer") {
		t.Errorf("the drive's line does not say the verdict is old: %q", h.Drives[0].SMART)
	}
}

// TestPCNamesWithoutCase: a PC's name is its backups' spelling, whatever case it reports
// in; another user cannot take it by changing the case, even before the first check.
func TestPCNamesWithoutCase(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 1)
	backupfstest.Backup(t, e.st, "Mum's Laptop", "mum", e.now, "/home/mum", []backupfstest.Entry{{Path: "a", Data: []byte("a"), Mtime: e.now}})
	m := e.monitor(t)
	if err := m.Report(ctx, "MUM'S LAPTOP", "dad", false, report(schema.Warning)); !errors.Is(err, health.ErrNotOwner) {
		t.Fatalf("dad reported for mum's PC by its name in capitals: %v", err)
	}
	changed := m.Changed()
	if err := m.Report(ctx, "mum's laptop", "mum", false, report(schema.Warning)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Error("watchers were not told of the new report")
	}
	h := check(t, m)
	if len(h.PCs) != 1 || h.PCs[0].Name != "Mum's Laptop" || h.PCs[0].LastBackup == nil {
		t.Fatalf("PCs: %+v", h.PCs)
	}
	if a := alert(h, "pc-check", "firewall"); a == nil || a.PC != "Mum's Laptop" {
		t.Errorf("alerts: %+v", h.Alerts)
	}
}

// TestForgetAPC: a PC that is gone stops raising alerts, its old backups included, until
// it backs up again.
func TestForgetAPC(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 1)
	backupfstest.Backup(t, e.st, "Old PC", "dad", e.now, "/home/dad", []backupfstest.Entry{{Path: "a", Data: []byte("a"), Mtime: e.now}})
	m := e.monitor(t)
	if err := m.Report(ctx, "Old PC", "dad", false, report(schema.Warning)); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(10 * 24 * time.Hour)
	if h := check(t, m); alert(h, "backup-overdue", "Old PC") == nil || alert(h, "pc-check", "firewall") == nil {
		t.Fatalf("before: %+v", h.Alerts)
	}
	if err := m.Forget(ctx, "old pc"); err != nil {
		t.Fatal(err)
	}
	if err := m.Forget(ctx, "Never Seen"); !errors.Is(err, catalog.ErrNotFound) {
		t.Errorf("forgetting an unknown PC: %v", err)
	}
	for _, mon := range []*health.Monitor{m, e.monitor(t)} { // and after a restart
		if h := check(t, mon); alert(h, "backup-overdue", "Old PC") != nil || alert(h, "pc-check", "firewall") != nil || len(h.PCs) != 0 {
			t.Errorf("after forgetting: %+v %+v", h.Alerts, h.PCs)
		}
	}
	e.now = e.now.Add(time.Minute)
	backupfstest.Backup(t, e.st, "Old PC", "dad", e.now, "/home/dad", []backupfstest.Entry{{Path: "a", Data: []byte("b"), Mtime: e.now}})
	if h := check(t, m); len(h.PCs) != 1 {
		t.Errorf("it backed up again but is not shown: %+v", h.PCs)
	}
}

// TestUnconfirmedWarningStays: a firewall that was off and could not be checked again
// (its tool timed out) is not taken as fixed.
func TestUnconfirmedWarningStays(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, 1)
	m := e.monitor(t)
	check(t, m)
	if err := m.Report(ctx, "Laptop", "mum", false, report(schema.Warning)); err != nil {
		t.Fatal(err)
	}
	first := alert(m.Health(health.Viewer{Admin: true}), "pc-check", "firewall")
	unknown := report(schema.Good)
	unknown.Checks[1].State, unknown.Checks[1].Sentence = schema.Unknown, "Hearth could not check this: the check took too long."
	if err := m.Report(ctx, "Laptop", "mum", false, unknown); err != nil {
		t.Fatal(err)
	}
	if a := alert(m.Health(health.Viewer{Admin: true}), "pc-check", "firewall"); first == nil || a == nil || !a.Since.Equal(first.Since) {
		t.Errorf("after a check that could not be made: %+v (first %+v)", a, first)
	}
	if err := m.Report(ctx, "Laptop", "mum", false, report(schema.Good)); err != nil {
		t.Fatal(err)
	}
	if a := alert(m.Health(health.Viewer{Admin: true}), "pc-check", "firewall"); a != nil {
		t.Errorf("after the firewall was on again: %+v", a)
	}
}

// TestDriveWithBadCopiesIsFlagged: a drive on which reads found copies that fail their
// checksum is not "good, nothing needs attention", even while SMART says it is fine.
func TestDriveWithBadCopiesIsFlagged(t *testing.T) {
	e := newEnv(t, 2)
	e.Share("Docs", 2)
	m := e.monitor(t)
	for i := range 3 {
		path := fmt.Sprintf("Docs/f%d", i)
		e.Put(path, []byte(strings.Repeat("precious ", 1000+i)))
		disk := pooltest.OnDisk(e.Drives[0], path)
		b, _ := os.ReadFile(disk)
		b[100] ^= 1
		os.WriteFile(disk, b, 0o644)
		if got := string(e.Get(path)); got != strings.Repeat("precious ", 1000+i) {
			t.Fatalf("read %s: the damaged copy was returned", path)
		}
	}
	h := check(t, m)
	a := alert(h, "drive-bad-copies", label(t, e, e.Drives[0]))
	if a == nil || a.Severity != schema.Warning || !strings.Contains(a.Sentence, "3 damaged copies in the last 30 days") || a.Action == nil {
		t.Fatalf("alerts = %+v; want a warning that the drive had 3 damaged copies, offering to empty it", h.Alerts)
	}
	for _, d := range h.Drives {
		if d.Path == e.Drives[0] && (d.State == schema.Good || d.BadCopies != 3) {
			t.Errorf("the drive's line: %+v; want it flagged with 3 bad copies", d)
		}
	}
	if alert(h, "drive-bad-copies", label(t, e, e.Drives[1])) != nil {
		t.Error("the drive with good copies is flagged too")
	}
}
