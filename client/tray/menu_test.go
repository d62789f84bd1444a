package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/server/api/schema"
)

func TestMenu(t *testing.T) {
	now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.Local)
	fine := status.View{Icon: status.Good, Line: "Everything is fine"}
	warn := status.View{Icon: status.Warning, Line: "1 problem: Laptop has never been backed up", Problems: []string{"Laptop has never been backed up"}}
	many := status.View{Icon: status.Warning, Line: "7 problems: A; B; and 5 more", Problems: []string{"A", "B", "C", "D", "E", "F", "G"}}
	away := status.View{Icon: status.Offline, Line: "The server cannot be reached; last heard Mon 13:30", Problems: []string{"A"}}
	gone := agentView{known: true}
	nightly := agentView{known: true, up: true, st: localapi.State{Joined: true, Next: now.Add(13 * time.Hour)}}
	done := backupState{done: now.Add(-2 * time.Minute)}
	failed := backupState{done: now.Add(-24 * time.Hour), failed: now.Add(-time.Minute),
		why: "The backup failed: the server cannot be reached. Check that it is switched on and that this PC is connected to the home network, then try again."}
	for _, c := range []struct {
		name string
		f    facts
		want menu
	}{
		{"not joined", facts{view: fine}, menu{icon: status.Offline, tooltip: "Hearth: this PC has not joined a server",
			status: "This PC has not joined a server yet", backup: "Back up now"}},
		{"fine", facts{view: fine, joined: true}, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			last: "Not backed up yet", backup: "Back up now", canStart: true}},
		{"counting", facts{view: fine, joined: true, backup: backupState{running: true, progress: archiver.Progress{Files: 120, Bytes: 3 << 20}}},
			menu{icon: status.Busy, tooltip: "Hearth: Everything is fine", status: "Everything is fine", last: "Not backed up yet", backup: "Backing up… 120 files, 3.0 MiB"}},
		{"counted", facts{view: fine, joined: true, backup: backupState{running: true, done: now.Add(-24 * time.Hour), progress: archiver.Progress{Counted: true, Bytes: 25, TotalBytes: 100}}},
			menu{icon: status.Busy, tooltip: "Hearth: Everything is fine", status: "Everything is fine", last: "Last backup: yesterday at 14:00, finished", backup: "Backing up… 25%"}},
		{"done", facts{view: fine, joined: true, backup: done}, menu{icon: status.Good, tooltip: "Hearth: Everything is fine",
			status: "Everything is fine", last: "Last backup: today at 13:58, finished", backup: "Back up now", canStart: true}},
		{"failed after the last that finished", facts{view: fine, joined: true, backup: failed}, menu{icon: status.Good, tooltip: "Hearth: Everything is fine",
			status: "Everything is fine", last: "Last backup: today at 13:59, did not finish: the server cannot be reached", backup: "Back up now", canStart: true}},
		{"a newer backup finished after one that failed", facts{view: fine, joined: true, backup: backupState{done: now, failed: now.Add(-time.Minute), why: "The backup failed: x."}},
			menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine", last: "Last backup: today at 14:00, finished", backup: "Back up now", canStart: true}},
		{"one problem, said once", facts{view: warn, joined: true}, menu{icon: status.Warning, tooltip: "Hearth: " + warn.Line, status: "1 problem",
			problems: warn.Problems, last: "Not backed up yet", backup: "Back up now", canStart: true}},
		{"many problems", facts{view: many, joined: true}, menu{icon: status.Warning, tooltip: "Hearth: " + many.Line, status: "7 problems",
			problems: []string{"A", "B", "C", "D", "and 3 more (open Health…)"}, last: "Not backed up yet", backup: "Back up now", canStart: true}},
		{"server away, its last problems", facts{view: away, joined: true}, menu{icon: status.Offline, tooltip: "Hearth: " + away.Line, status: away.Line,
			problems: []string{"A"}, last: "Not backed up yet", backup: "Back up now", canStart: true}},
		{"no agent", facts{view: fine, joined: true, agent: gone}, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			last: "Not backed up yet", backup: "Back up now", canStart: true, next: "No nightly backup: the Hearth agent is not running", offer: true}},
		{"the agent will", facts{view: fine, joined: true, agent: nightly, backup: done}, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			last: "Last backup: today at 13:58, finished", backup: "Back up now", canStart: true, next: "Next backup: tomorrow at 03:00"}},
		{"by the schedule, over a warning", facts{view: warn, joined: true, agent: nightly, backup: backupState{running: true, by: localapi.BySchedule, progress: archiver.Progress{Counted: true, Bytes: 1, TotalBytes: 2}}},
			menu{icon: status.Busy, tooltip: "Hearth: " + warn.Line, status: "1 problem", problems: warn.Problems, last: "Not backed up yet", backup: "Backing up… 50%",
				next: "Started by the nightly schedule"}},
		{"an administrator", facts{view: fine, joined: true, admin: true, backup: done}, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			last: "Last backup: today at 13:58, finished", backup: "Back up now", canStart: true, manage: true}},
		{"an administrator's PC not joined", facts{view: fine, admin: true}, menu{icon: status.Offline, tooltip: "Hearth: this PC has not joined a server",
			status: "This PC has not joined a server yet", backup: "Back up now"}},
	} {
		got := menuOf(c.f, now)
		if !cmp.Equal(got, c.want, cmp.AllowUnexported(menu{})) {
			t.Errorf("%s: %s", c.name, cmp.Diff(c.want, got, cmp.AllowUnexported(menu{})))
		}
		// Each problem once in the menu: the status line counts, the items name.
		for _, p := range c.f.view.Problems {
			if c.f.joined && strings.Contains(got.status, p) {
				t.Errorf("%s: the status line %q names the problem %q listed below it", c.name, got.status, p)
			}
		}
	}
	if many.Problems[4] != "E" {
		t.Error("menuOf changed the view's problems")
	}
}

// TestBackupOf: with an agent, the tray shows the agent's backup, whoever started it;
// the server's newest backup of this PC counts too.
func TestBackupOf(t *testing.T) {
	ended := time.Date(2026, 12, 7, 14, 2, 0, 0, time.Local)
	taken := ended.Add(-time.Minute)
	own := backupState{failed: ended.Add(-5 * time.Hour), why: "The backup failed: x."}
	up := agentView{known: true, up: true, st: localapi.State{Running: true, By: localapi.ByCLI,
		Progress: &localapi.Progress{Files: 3, Bytes: 10, Percent: -1}, Last: &localapi.Result{OK: true, Ended: ended, Snapshot: &schema.Snapshot{Time: taken}}}}
	if b := backupOf(up, own); !b.running || b.by != localapi.ByCLI || b.progress.Files != 3 || !b.done.Equal(taken) || !b.failed.IsZero() {
		t.Errorf("with the agent: %+v", b)
	}
	if b := backupOf(agentView{known: true}, own); b != own {
		t.Errorf("without an agent: %+v", b)
	}
	up.st.Last = &localapi.Result{OK: false, Ended: ended, Words: "The backup failed: the server cannot be reached."}
	if b := backupOf(up, own); !b.failed.Equal(ended) || b.why != up.st.Last.Words || !b.done.IsZero() {
		t.Errorf("with the agent's backup failed: %+v", b)
	}

	later := ended.Add(time.Hour)
	h := &schema.Health{PCs: []schema.PCHealth{{Name: "Laptop", Owner: "dad", LastBackup: &ended}, {Name: "Laptop", Owner: "mum", LastBackup: &later}}}
	if b := withServer(backupState{done: taken}, h, "mum", "Laptop"); !b.done.Equal(later) {
		t.Errorf("the server's newer backup: %+v", b)
	}
	if b := withServer(backupState{done: later.Add(time.Minute)}, h, "mum", "Laptop"); !b.done.Equal(later.Add(time.Minute)) {
		t.Errorf("the agent's newer backup: %+v", b)
	}
	if b := withServer(backupState{}, h, "mum", "Desktop"); !b.done.IsZero() {
		t.Errorf("another PC's backup: %+v", b)
	}
}

// TestFailureWords: a failed backup's line in the menu is the first clause of why; its
// notification has all of it, without repeating that it failed.
func TestFailureWords(t *testing.T) {
	for _, c := range []struct{ words, reason, body string }{
		{"The backup failed: the server cannot be reached. Check that it is switched on, then try again.",
			"the server cannot be reached", "The server cannot be reached. Check that it is switched on, then try again."},
		{"The backup failed: another program on this PC is backing it up; try again when it has finished.",
			"another program on this PC is backing it up", "Another program on this PC is backing it up; try again when it has finished."},
		{"The backup failed: the server's drives at hearth.local are full.", "the server's drives at hearth.local are full", "The server's drives at hearth.local are full."},
		{"The backup was stopped, as the agent was, before it finished.",
			"the backup was stopped, as the agent was, before it finished", "The backup was stopped, as the agent was, before it finished."},
		{"", "something unexpected went wrong", "Something unexpected went wrong."},
	} {
		if got := reason(c.words); got != c.reason {
			t.Errorf("reason(%q) = %q, want %q", c.words, got, c.reason)
		}
		if title, body := failureNote(c.words); title != "The backup of this PC did not finish" || body != c.body {
			t.Errorf("failureNote(%q) = %q, %q", c.words, title, body)
		}
	}
}
