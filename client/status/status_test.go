package status

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

func alerts(titles ...string) []schema.Alert {
	var out []schema.Alert
	for _, t := range titles {
		out = append(out, schema.Alert{Code: "c", Subject: t, Severity: schema.Warning, Title: t})
	}
	return out
}

func TestOf(t *testing.T) {
	seen := time.Date(2026, 11, 24, 9, 30, 0, 0, time.Local)
	for _, c := range []struct {
		name         string
		h            *schema.Health
		online, busy bool
		want         View
	}{
		{"never answered", nil, false, false, View{Icon: Offline, Line: "The server cannot be reached"}},
		{"connecting", nil, true, false, View{Icon: Offline, Line: "Connecting to the server…"}},
		{"fine", &schema.Health{State: schema.Good}, true, false, View{Icon: Good, Line: "Everything is fine"}},
		{"fine, backing up", &schema.Health{State: schema.Good}, true, true, View{Icon: Busy, Line: "Backing up…"}},
		{"one problem", &schema.Health{State: schema.Warning, Alerts: alerts("Mum's laptop: Firewall")}, true, false,
			View{Icon: Warning, Line: "1 problem: Mum's laptop: Firewall", Problems: []string{"Mum's laptop: Firewall"}}},
		{"a problem wins over backing up", &schema.Health{State: schema.Critical, Alerts: alerts("Drive 3 is failing")}, true, true,
			View{Icon: Critical, Line: "1 problem: Drive 3 is failing", Problems: []string{"Drive 3 is failing"}}},
		{"two", &schema.Health{State: schema.Warning, Alerts: alerts("A", "B")}, true, false,
			View{Icon: Warning, Line: "2 problems: A; B", Problems: []string{"A", "B"}}},
		{"many", &schema.Health{State: schema.Critical, Alerts: alerts("A", "B", "C", "D")}, true, false,
			View{Icon: Critical, Line: "4 problems: A; B; and 2 more", Problems: []string{"A", "B", "C", "D"}}},
		{"lost, after hearing", &schema.Health{State: schema.Warning, Time: seen, Alerts: alerts("A")}, false, false,
			View{Icon: Offline, Line: "The server cannot be reached; last heard Tue 09:30", Problems: []string{"A"}}},
	} {
		if got := Of(c.h, c.online, c.busy); !cmp.Equal(got, c.want) {
			t.Errorf("%s: %s", c.name, cmp.Diff(c.want, got))
		}
	}
}

// TestNotifier: each problem is announced once, again when it gets worse, and again if it
// clears and comes back.
func TestNotifier(t *testing.T) {
	var n Notifier
	fw := schema.Alert{Code: "pc-check", PC: "Laptop", Subject: "firewall", Severity: schema.Warning, Title: "Laptop: Firewall"}
	disk := schema.Alert{Code: "drive-missing", Subject: "Drive 2", Severity: schema.Critical, Title: "Drive 2 is missing"}
	titles := func(as []schema.Alert) []string {
		out := []string{}
		for _, a := range as {
			out = append(out, a.Title+" ("+a.Severity+")")
		}
		return out
	}
	worse := fw
	worse.Severity = schema.Critical
	for i, step := range []struct {
		alerts []schema.Alert
		want   []string
	}{
		{[]schema.Alert{fw}, []string{"Laptop: Firewall (warning)"}},
		{[]schema.Alert{fw}, []string{}},
		{[]schema.Alert{fw, disk}, []string{"Drive 2 is missing (critical)"}},
		{[]schema.Alert{worse, disk}, []string{"Laptop: Firewall (critical)"}},
		{[]schema.Alert{fw, disk}, []string{}}, // better is not news
		{[]schema.Alert{disk}, []string{}},
		{[]schema.Alert{fw, disk}, []string{"Laptop: Firewall (warning)"}},
	} {
		if got := titles(n.New(schema.Health{Alerts: step.alerts})); !cmp.Equal(got, step.want) {
			t.Errorf("step %d: %v, want %v", i, got, step.want)
		}
	}
}

func TestTrouble(t *testing.T) {
	for err, want := range map[error]string{
		nil:                                 "",
		errors.New("reach server: refused"): "",
		fmt.Errorf("x: %w", connector.ErrBadCredentials): "This PC was removed from the server; join it again",
		fmt.Errorf("x: %w", connector.ErrPinMismatch):    "The server's identity has changed, so this PC stopped talking to it; ask whoever looks after the server",
	} {
		if got := Trouble(err); got != want {
			t.Errorf("%v: %q, want %q", err, got, want)
		}
	}
}
