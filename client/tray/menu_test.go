package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/status"
)

func TestMenu(t *testing.T) {
	fine := status.View{Icon: status.Good, Line: "Everything is fine"}
	many := status.View{Icon: status.Warning, Line: "7 problems: A; B; and 5 more", Problems: []string{"A", "B", "C", "D", "E", "F", "G"}}
	for _, c := range []struct {
		name   string
		v      status.View
		b      backupState
		joined bool
		want   menu
	}{
		{"not joined", fine, backupState{}, false, menu{icon: status.Offline, tooltip: "Hearth: this PC has not joined a server",
			status: "This PC has not joined a server yet", backup: "Back up now"}},
		{"fine", fine, backupState{}, true, menu{icon: status.Good, tooltip: "Hearth: Everything is fine", status: "Everything is fine",
			backup: "Back up now", canStart: true}},
		{"counting", fine, backupState{running: true, progress: archiver.Progress{Files: 120, Bytes: 3 << 20}}, true,
			menu{icon: status.Busy, tooltip: "Hearth: Everything is fine", status: "Everything is fine", backup: "Backing up… 120 files, 3.0 MiB"}},
		{"counted", fine, backupState{running: true, progress: archiver.Progress{Counted: true, Bytes: 25, TotalBytes: 100}}, true,
			menu{icon: status.Busy, tooltip: "Hearth: Everything is fine", status: "Everything is fine", backup: "Backing up… 25%"}},
		{"done", fine, backupState{result: "done at 14:02"}, true, menu{icon: status.Good, tooltip: "Hearth: Everything is fine",
			status: "Everything is fine", backup: "Back up now (done at 14:02)", canStart: true}},
		{"many problems", many, backupState{}, true, menu{icon: status.Warning, tooltip: "Hearth: " + many.Line, status: many.Line,
			problems: []string{"A", "B", "C", "D", "and 3 more (open Health…)"}, backup: "Back up now", canStart: true}},
	} {
		if got := menuOf(c.v, c.b, c.joined); !cmp.Equal(got, c.want, cmp.AllowUnexported(menu{})) {
			t.Errorf("%s: %s", c.name, cmp.Diff(c.want, got, cmp.AllowUnexported(menu{})))
		}
	}
	if many.Problems[4] != "E" {
		t.Error("menuOf changed the view's problems")
	}
}
