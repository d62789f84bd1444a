package main

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/client/status"
)

func TestMenu(t *testing.T) {
	now := time.Date(2026, 12, 7, 14, 0, 0, 0, time.Local)
	fine := status.View{Icon: status.Good, Line: "Everything is fine"}
	warn := status.View{Icon: status.Warning, Line: "1 problem: Laptop has never been backed up", Problems: []string{"Laptop has never been backed up"}}
	many := status.View{Icon: status.Warning, Line: "7 problems: A; B; and 5 more", Problems: []string{"A", "B", "C", "D", "E", "F", "G"}}
	none := agentView{}
	away := agentView{known: true}
	nightly := agentView{known: true, up: true, st: localapi.State{Joined: true, Next: now.Add(13 * time.Hour)}}
	for _, c := range []struct {
		name   string
		v      status.View
		b      backupState
		joined bool
		a      agentView
		want   menu
	}{
		{"not joined", fine, backupState{}, false, none, menu{icon: status.Offline, tooltip: "Hearth: this PC has not joined a server",
			status: "This PC has not joined a server yet", backup: "Back up now"}},
		{"fine", fine, backupState{}, true, none, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			backup: "Back up now", canStart: true}},
		{"counting", fine, backupState{running: true, progress: archiver.Progress{Files: 120, Bytes: 3 << 20}}, true, none,
			menu{icon: status.Busy, tooltip: "Hearth: Everything is fine", status: "Everything is fine", backup: "Backing up… 120 files, 3.0 MiB"}},
		{"counted", fine, backupState{running: true, progress: archiver.Progress{Counted: true, Bytes: 25, TotalBytes: 100}}, true, none,
			menu{icon: status.Busy, tooltip: "Hearth: Everything is fine", status: "Everything is fine", backup: "Backing up… 25%"}},
		{"done", fine, backupState{result: "done at 14:02"}, true, none, menu{icon: status.Good, tooltip: "Hearth: Everything is fine",
			status: "Everything is fine", backup: "Back up now (done at 14:02)", canStart: true}},
		{"many problems", many, backupState{}, true, none, menu{icon: status.Warning, tooltip: "Hearth: " + many.Line, status: many.Line,
			problems: []string{"A", "B", "C", "D", "and 3 more (open Health…)"}, backup: "Back up now", canStart: true}},
		{"no agent", fine, backupState{}, true, away, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			backup: "Back up now", canStart: true, next: "No nightly backup: the Hearth agent is not running", offer: true}},
		{"the agent will", fine, backupState{}, true, nightly, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			backup: "Back up now", canStart: true, next: "Next backup: tomorrow at 03:00"}},
		{"by the schedule, over a warning", warn, backupState{running: true, by: localapi.BySchedule, progress: archiver.Progress{Counted: true, Bytes: 1, TotalBytes: 2}}, true, nightly,
			menu{icon: status.Busy, tooltip: "Hearth: " + warn.Line, status: warn.Line, problems: warn.Problems, backup: "Backing up… 50%",
				next: "Started by the nightly schedule"}},
	} {
		if got := menuOf(c.v, c.b, c.joined, c.a, now); !cmp.Equal(got, c.want, cmp.AllowUnexported(menu{})) {
			t.Errorf("%s: %s", c.name, cmp.Diff(c.want, got, cmp.AllowUnexported(menu{})))
		}
	}
	if many.Problems[4] != "E" {
		t.Error("menuOf changed the view's problems")
	}
}

// TestBackupOf: with an agent, the tray shows the agent's backup, whoever started it.
func TestBackupOf(t *testing.T) {
	ended := time.Date(2026, 12, 7, 14, 2, 0, 0, time.Local)
	own := backupState{result: "failed at 09:00"}
	up := agentView{known: true, up: true, st: localapi.State{Running: true, By: localapi.ByCLI,
		Progress: &localapi.Progress{Files: 3, Bytes: 10, Percent: -1}, Last: &localapi.Result{OK: true, Ended: ended}}}
	if b := backupOf(up, own); !b.running || b.by != localapi.ByCLI || b.progress.Files != 3 || b.result != "done at 14:02" {
		t.Errorf("with the agent: %+v", b)
	}
	if b := backupOf(agentView{known: true}, own); b != own {
		t.Errorf("without an agent: %+v", b)
	}
}
