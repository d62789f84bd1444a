package healthapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func health(t *testing.T, s *apptest.Server, user, password string) schema.Health {
	t.Helper()
	resp, body := s.Do(user, password, "GET", "/api/v1/health", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/health as %s: %s %s", user, resp.Status, body)
	}
	var h schema.Health
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// joined registers a device for user, as hearth join does.
func joined(t *testing.T, s *apptest.Server, user, device string) string {
	t.Helper()
	token, err := s.Admin().NewToken(context.Background(), user, device)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func put(t *testing.T, s *apptest.Server, user, password, pc, body string) (int, string) {
	t.Helper()
	resp, b := s.Do(user, password, "PUT", "/api/v1/health/pcs/"+pc, strings.NewReader(body), "Content-Type", "application/json")
	return resp.StatusCode, b
}

const firewallOff = `{"os":"linux","checks":[{"id":"firewall","area":"network","state":"warning","title":"Firewall","sentence":"The firewall (ufw) is off."}]}`

// TestReportsAndWhoSeesThem: a PC's owner reports for it and sees its alerts; another
// user may neither report for it nor see it; broken reports are refused with a reason.
func TestReportsAndWhoSeesThem(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", "mum's password", false)
	s.AddUser("dad", "dad's password", false)
	s.AddUser("root", "admin password", true)
	joined(t, s, "mum", "Mums-laptop")
	joined(t, s, "dad", "Mums-laptop") // a device of the same name does not make it his
	if code, body := put(t, s, "mum", "mum's password", "Mums-laptop", firewallOff); code != http.StatusNoContent {
		t.Fatalf("mum's report: %d %s", code, body)
	}
	if h := health(t, s, "mum", "mum's password"); h.State != schema.Warning && h.State != schema.Critical || len(h.PCs) != 1 || h.PCs[0].State != schema.Warning {
		t.Errorf("mum's view: %+v", h)
	}
	if h := health(t, s, "dad", "dad's password"); len(h.PCs) != 0 {
		t.Errorf("dad sees mum's PC: %+v", h.PCs)
	}
	if h := health(t, s, "root", "admin password"); len(h.PCs) != 1 {
		t.Errorf("the administrator's view: %+v", h.PCs)
	}
	for _, c := range []struct {
		name, user, password, pc, body string
		want                           int
	}{
		{"someone else's PC", "dad", "dad's password", "Mums-laptop", firewallOff, http.StatusForbidden},
		{"not a device of hers", "mum", "mum's password", "Dads-PC", firewallOff, http.StatusForbidden},
		{"not JSON", "mum", "mum's password", "Mums-laptop", "<xml/>", http.StatusBadRequest},
		{"unknown state", "mum", "mum's password", "Mums-laptop", strings.Replace(firewallOff, "warning", "purple", 1), http.StatusBadRequest},
		{"hostile name", "mum", "mum's password", "..%2F..%2Fetc", firewallOff, http.StatusBadRequest},
		{"wrong password", "mum", "nope", "Mums-laptop", firewallOff, http.StatusUnauthorized},
		{"too big", "mum", "mum's password", "Mums-laptop", `{"os":"` + strings.Repeat("x", schema.MaxReport) + `","checks":[]}`, http.StatusBadRequest},
	} {
		if code, body := put(t, s, c.user, c.password, c.pc, c.body); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
	if resp, body := s.Do("mum", "mum's password", "POST", "/api/v1/health/evacuate", strings.NewReader(`{"drive":"Drive 1"}`), "Content-Type", "application/json"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user who is not an administrator asked to remove a drive: %s %s", resp.Status, body)
	}
	if resp, body := s.Do("root", "admin password", "POST", "/api/v1/health/evacuate", strings.NewReader(`{"drive":"Drive 1","force":true}`), "Content-Type", "application/json"); resp.StatusCode != http.StatusConflict {
		t.Errorf("an administrator emptied a drive no alert offers to empty: %s %s", resp.Status, body)
	}
	if ds, _ := s.Admin().Drives(context.Background()); len(ds) != 1 || ds[0].State != "active" {
		t.Errorf("drives after refused evacuations: %+v", ds)
	}
}

// TestEvacuateFailingDrive: a drive whose disk says it is failing raises a critical alert
// offering evacuation. Taking the offer is refused while it would leave single copies;
// with a new drive it moves the files off and removes the drive, and the alert clears.
func TestEvacuateFailingDrive(t *testing.T) {
	var sick string
	s := apptest.Start(t, func(o *app.Options) {
		o.HealthEvery = 50 * time.Millisecond
		o.SMART = smart.Recorded{Files: os.DirFS("../health/smart/testdata")}
		o.DeviceOf = func(path string) (string, error) {
			if path == sick {
				return "/dev/smart-fail2", nil
			}
			return "/dev/smart-ata", nil
		}
	})
	s.AddUser("root", "admin password", true)
	ctx := context.Background()
	sick = filepath.Join(t.TempDir(), "second")
	if err := os.Mkdir(sick, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := s.Admin().AddDrive(ctx, sick, "Old disk")
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Admin().Put(ctx, "Public/family.jpg", strings.NewReader("a picture"), 9, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var a *schema.Alert
	pooltest.Eventually(t, 10*time.Second, "the failing disk is noticed", func() bool {
		for _, x := range health(t, s, "root", "admin password").Alerts {
			if x.Code == "drive-smart-failing" {
				a = &x
			}
		}
		return a != nil
	})
	if a.Severity != schema.Critical || a.Subject != d.Label || a.Action == nil || a.Action.Drive != d.Label {
		t.Fatalf("the alert: %+v", a)
	}
	body, _ := json.Marshal(map[string]string{"drive": a.Action.Drive})
	token := joined(t, s, "root", "Admin's PC")
	resp, out := s.Do("", "", "POST", "/api/v1/health/evacuate", strings.NewReader(string(body)), "Authorization", "Bearer "+token)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a device token emptied a drive: %s %s", resp.Status, out)
	}
	resp, out = s.Do("root", "admin password", "POST", "/api/v1/health/evacuate", strings.NewReader(string(body)), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusConflict || !strings.Contains(out, "add another drive first") {
		t.Fatalf("evacuating one of two drives would leave single copies; got %s %s", resp.Status, out)
	}
	third := filepath.Join(t.TempDir(), "third")
	os.Mkdir(third, 0o755)
	if _, err := s.Admin().AddDrive(ctx, third, "New disk"); err != nil {
		t.Fatal(err)
	}
	resp, out = s.Do("root", "admin password", "POST", "/api/v1/health/evacuate", strings.NewReader(string(body)), "Content-Type", "application/json")
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		t.Fatalf("evacuate: %s %s", resp.Status, out)
	}
	pooltest.Eventually(t, 20*time.Second, "the drive is gone and the alert with it", func() bool {
		h := health(t, s, "root", "admin password")
		for _, x := range h.Alerts {
			if x.Code == "drive-smart-failing" {
				return false
			}
		}
		return len(h.Drives) == 2
	})
	rc, fi, err := s.Admin().Get(ctx, f.Path)
	if err != nil || fi.Copies < 1 {
		t.Fatalf("the picture after the evacuation: %+v %v", fi, err)
	}
	rc.Close()
	if _, err := os.Stat(filepath.Join(sick, "Shares", "Public", "family.jpg")); err == nil {
		t.Errorf("the picture is still on the removed drive")
	}
}

// TestMetrics: /metrics is for administrators by default and for the local network when
// set so; what it serves reads back, through Prometheus' own parser, as what was meant.
func TestMetrics(t *testing.T) {
	python := testenv.NeedTool(t, "/usr/bin/python3") // Debian's, where python3-prometheus-client is
	big := t.TempDir()
	s := apptest.Start(t, func(o *app.Options) {
		o.SMART = smart.Recorded{Files: os.DirFS("../health/smart/testdata")}
		o.DeviceOf = func(path string) (string, error) {
			if path == big {
				return "/dev/smart-fail2", nil
			}
			return "/dev/smart-ata", nil
		}
	})
	s.AddUser("mum", "mum's password", false)
	s.AddUser("root", "admin password", true)
	joined(t, s, "mum", "Mum's laptop")
	if code, body := put(t, s, "mum", "mum's password", "Mum's%20laptop", firewallOff); code != http.StatusNoContent {
		t.Fatalf("report: %d %s", code, body)
	}
	if _, err := s.Admin().AddDrive(context.Background(), big, `The "big" one\`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin().Health(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user, password string
		want           int
	}{{"", "", http.StatusUnauthorized}, {"mum", "mum's password", http.StatusForbidden}, {"root", "admin password", http.StatusOK}} {
		if resp, body := s.Do(c.user, c.password, "GET", "/metrics", nil); resp.StatusCode != c.want {
			t.Errorf("/metrics as %q: %s %s, want %d", c.user, resp.Status, body, c.want)
		}
	}
	resp, body := s.Do("root", "admin password", "GET", "/metrics", nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	cmd := exec.Command(python, "testdata/parse_metrics.py")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the Prometheus parser refused the metrics: %v\n%s", err, body)
	}
	var samples []struct {
		Name   string
		Labels map[string]string
		Value  float64
		Type   string
	}
	if err := json.Unmarshal(out, &samples); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, s := range samples {
		k := s.Name
		for _, l := range []string{"drive", "pc", "severity"} {
			if v, ok := s.Labels[l]; ok {
				k += " " + l + "=" + v
			}
		}
		got[k] = s.Value
	}
	if n := strings.Count(body, "\n") - 2*strings.Count(body, "# HELP"); len(samples) != n {
		t.Errorf("the parser read %d samples of %d lines:\n%s", len(samples), n, body)
	}
	for k, want := range map[string]float64{
		"hearth_pc_health pc=Mum's laptop":               2,
		"hearth_alerts severity=warning":                 2, // the firewall, and never backed up
		"hearth_alerts severity=critical":                1, // the failing disk
		`hearth_drive_health drive=The "big" one\`:       3,
		"hearth_drive_health drive=Drive 1":              0,
		"hearth_drive_temperature_celsius drive=Drive 1": 32,
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v; all: %v", k, v, ok, want, got)
		}
	}
	if got["hearth_pool_size_bytes"] <= 0 {
		t.Errorf("pool size %v", got["hearth_pool_size_bytes"])
	}

	lan := apptest.Start(t, func(o *app.Options) {
		if err := os.WriteFile(paths.Config(o.StateDir), []byte(`{"metrics": "lan"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if resp, body := lan.Do("", "", "GET", "/metrics", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "hearth_health_state") {
		t.Errorf("with metrics for the local network, loopback got %s %s", resp.Status, fmt.Sprint(len(body)))
	}
	off := apptest.Start(t, func(o *app.Options) {
		if err := os.WriteFile(paths.Config(o.StateDir), []byte(`{"metrics": "off"}`), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	off.AddUser("root", "admin password", true)
	if resp, _ := off.Do("root", "admin password", "GET", "/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("with metrics off, an administrator got %s", resp.Status)
	}
}

// TestFileAlertsNameOnlyReadableFiles: a damaged file in bob's share raises an alert that
// names it as an example. Bob and the administrator are told its name; alice, who may not
// open bob's share, is told that a file in a share she cannot open is damaged, and no
// name (a name says what bob keeps).
func TestFileAlertsNameOnlyReadableFiles(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("root", "admin password", true)
	s.AddUser("bob", "bob's password", false)
	s.AddUser("alice", "alice's password", false)
	const secret = "d2/job-interview-at-rival.txt"
	if resp, body := s.Do("bob", "bob's password", "MKCOL", "/dav/bob/d2", nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("MKCOL: %s %s", resp.Status, body)
	}
	if resp, body := s.Do("bob", "bob's password", "PUT", "/dav/bob/"+secret, strings.NewReader("dear rival")); resp.StatusCode/100 != 2 {
		t.Fatalf("PUT: %s %s", resp.Status, body)
	}
	// Its only copy rots on the drive; a scrub finds no good copy left.
	copyPath := filepath.Join(paths.FirstDrive(s.State), "Shares", "bob", secret)
	if err := os.WriteFile(copyPath, []byte("DEAR RIVAL"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pool.Scrub(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin().Health(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	damaged := func(h schema.Health) *schema.Alert {
		for _, a := range h.Alerts {
			if a.Code == "files-damaged" {
				return &a
			}
		}
		return nil
	}
	for _, c := range []struct {
		user, password string
		named          bool
	}{{"root", "admin password", true}, {"bob", "bob's password", true}, {"alice", "alice's password", false}} {
		h := health(t, s, c.user, c.password)
		a := damaged(h)
		if a == nil {
			t.Fatalf("%s sees no alert for the damaged file: %+v", c.user, h.Alerts)
		}
		all, _ := json.Marshal(h)
		if named := strings.Contains(string(all), "job-interview"); named != c.named {
			t.Errorf("%s: file named = %v, want %v: %s", c.user, named, c.named, a.Sentence)
		}
		if !c.named && !strings.Contains(a.Sentence, "1 file in shares you cannot open is damaged") {
			t.Errorf("%s is not told how many files are damaged: %q", c.user, a.Sentence)
		}
	}
}

// TestTokenReportsOnlyForItsPC: alice's laptop, signed in with its device token, reports
// its own health but not her desktop's (issue 17: a device token acts only for its PC).
func TestTokenReportsOnlyForItsPC(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("alice", "alice's password", false)
	token := map[string]string{}
	for _, pc := range []string{"alice-laptop", "alice-desktop"} {
		resp, body := s.Do("alice", "alice's password", "POST", "/api/v1/devices", strings.NewReader(`{"name":"`+pc+`"}`), "Content-Type", "application/json")
		var d schema.Device
		if resp.StatusCode != http.StatusCreated || json.Unmarshal([]byte(body), &d) != nil {
			t.Fatalf("join %s: %s %s", pc, resp.Status, body)
		}
		token[pc] = d.Token
	}
	report := func(pc string) int {
		resp, _ := s.Do("", "", "PUT", "/api/v1/health/pcs/"+pc, strings.NewReader(firewallOff),
			"Authorization", "Bearer "+token["alice-laptop"], "Content-Type", "application/json")
		return resp.StatusCode
	}
	if code := report("alice-laptop"); code != http.StatusNoContent {
		t.Errorf("the laptop reports for itself: %d", code)
	}
	if code := report("alice-desktop"); code != http.StatusForbidden {
		t.Errorf("the laptop's token reports for the desktop: %d, want 403", code)
	}
	for _, pc := range health(t, s, "alice", "alice's password").PCs {
		if pc.Name == "alice-desktop" {
			t.Errorf("the desktop has health the laptop reported: %+v", pc)
		}
	}
}
