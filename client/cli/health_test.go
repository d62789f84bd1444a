package cli

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/health"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// firewall stands in for the firewall probe, behind the same interface the real ones
// use: a test cannot switch this machine's firewall off.
type firewall struct{ on atomic.Bool }

func (f *firewall) Check(context.Context) []schema.Check {
	c := schema.Check{ID: "firewall", Area: "network", Title: "Firewall", State: schema.Good, Sentence: "The firewall (ufw) is on."}
	if !f.on.Load() {
		c.State, c.Sentence = schema.Warning, "The firewall (ufw) is off. Turn it on with 'sudo ufw enable'."
	}
	return []schema.Check{c}
}

// TestHealthEndToEnd: a PC whose firewall is off turns the house's health to warning on
// the server, and back to good when it is on again; a pool drive that vanishes turns it
// critical. The PC follows it all on the server's stream, as the tray will.
func TestHealthEndToEnd(t *testing.T) {
	s := apptest.Start(t, func(o *app.Options) { o.HealthEvery = 50 * time.Millisecond })
	s.AddUser("mum", "correct horse", false)
	config := filepath.Join(t.TempDir(), "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Mum's laptop", s.URL); code != 0 {
		t.Fatalf("join: %s", out)
	}
	home := filepath.Join(t.TempDir(), "mum")
	os.MkdirAll(home, 0o755)
	os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644)
	if out, code := hearth(t, "", "backup", "-include", home); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	cfg, err := connector.Load(config)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	states := make(chan schema.Health, 100)
	go cfg.WatchHealth(ctx, func(h schema.Health) { states <- h })
	waitFor := func(what string, cond func(schema.Health) bool) schema.Health {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			select {
			case h := <-states:
				if cond(h) {
					return h
				}
			case <-deadline:
				t.Fatalf("the stream never showed %s", what)
			}
		}
	}
	mine := func(h schema.Health) schema.PCHealth {
		for _, p := range h.PCs {
			if p.Name == "Mum's laptop" {
				return p
			}
		}
		return schema.PCHealth{}
	}
	waitFor("a good house", func(h schema.Health) bool { return h.State == schema.Good && mine(h).LastBackup != nil })

	// First this machine's real probes, as 'hearth health' runs them.
	out, code := hearth(t, "", "health")
	if code != 0 || !strings.Contains(out, "This PC (Mum's laptop):") || !strings.Contains(out, "Disk /") || !strings.Contains(out, "Backup: Backed up") {
		t.Fatalf("hearth health with the real probes: exit %d\n%s", code, out)
	}
	real := waitFor("the real report", func(h schema.Health) bool { return mine(h).Seen != nil })
	ids := map[string]bool{}
	for _, c := range mine(real).Checks {
		ids[c.ID] = true
	}
	if !ids["backup"] || !ids["disk:/"] || !ids["updates"] {
		t.Errorf("the server got these checks from the real probes: %+v", mine(real).Checks)
	}

	// Then the stand-in firewall alone, on: this machine's own updates may be pending.
	fw := &firewall{}
	fw.on.Store(true)
	var buf bytes.Buffer
	e := &env{in: bufio.NewReader(strings.NewReader("")), out: &buf, errOut: &buf, config: config, probes: []health.Probe{fw}}
	if err := healthCmd(ctx, e, nil); err != nil {
		t.Fatalf("hearth health: %v\n%s", err, buf.String())
	}
	waitFor("good with the firewall on", func(h schema.Health) bool { return h.State == schema.Good && len(mine(h).Checks) == 2 })
	fw.on.Store(false)
	buf.Reset()
	if err := healthCmd(ctx, e, nil); err != nil {
		t.Fatalf("hearth health: %v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "warning  Firewall: The firewall (ufw) is off.") || !strings.Contains(buf.String(), "The house: warning.") {
		t.Errorf("hearth health with the firewall off:\n%s", buf.String())
	}
	h := waitFor("the firewall warning", func(h schema.Health) bool { return h.State == schema.Warning })
	if p := mine(h); p.State != schema.Warning || len(h.Alerts) != 1 || h.Alerts[0].PC != "Mum's laptop" || !strings.Contains(h.Alerts[0].Sentence, "sudo ufw enable") {
		t.Errorf("with the firewall off: %+v", h)
	}
	network := ""
	for _, c := range mine(h).Checks {
		if c.Area == "network" {
			network = c.State
		}
	}
	if network != schema.Warning {
		t.Errorf("the PC's network checks: %+v", mine(h).Checks)
	}

	fw.on.Store(true)
	buf.Reset()
	if err := healthCmd(ctx, e, nil); err != nil {
		t.Fatalf("hearth health: %v\n%s", err, buf.String())
	}
	waitFor("good again", func(h schema.Health) bool { return h.State == schema.Good && mine(h).State == schema.Good })

	drive := filepath.Join(t.TempDir(), "second")
	os.Mkdir(drive, 0o755)
	if _, err := s.Admin().AddDrive(ctx, drive, "Second"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(drive, drive+".unplugged"); err != nil {
		t.Fatal(err)
	}
	h = waitFor("the missing drive", func(h schema.Health) bool { return h.State == schema.Critical })
	if len(h.Alerts) == 0 || h.Alerts[0].Code != "drive-missing" || h.Alerts[0].Subject != "Second" {
		t.Errorf("with a drive gone: %+v", h.Alerts)
	}
	if err := os.Rename(drive+".unplugged", drive); err != nil {
		t.Fatal(err)
	}
	// Back, the drive is checked against the index and its copies made again: the house
	// is no longer critical even while the copies are still being made.
	waitFor("the drive back", func(h schema.Health) bool { return h.State != schema.Critical })
}
