package admin_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/settings"
)

// Settings set over the control socket are checked, apply at once (metrics off: /metrics
// is gone for the administrator too), and survive a restart.
func TestSettingsOverTheSocket(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("root", "admin password", true)
	ctx := context.Background()
	svc := control(t, s)
	cur, err := svc.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur.ServerName == "" || cur.Metrics != "admin" {
		t.Errorf("defaults: %+v", cur)
	}
	if resp, _ := s.Do("root", "admin password", "GET", "/metrics", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("metrics before: %d", resp.StatusCode)
	}
	bad := cur
	bad.TimeZone = "Atlantis/Capital"
	if _, err := svc.SetSettings(ctx, bad); !errors.Is(err, settings.ErrTimeZone) {
		t.Errorf("a bad zone over the socket: %v, want ErrTimeZone", err)
	}
	want := cur
	want.ServerName, want.Metrics, want.TimeZone = "Family Server", "off", "America/New_York"
	want.BackupWindow = settings.Window{Start: "03:00", End: "07:00"}
	if _, err := svc.SetSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("root", "admin password", "GET", "/metrics", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("metrics after turning them off: %d, want 404", resp.StatusCode)
	}
	// For the local network: a scraper on loopback needs no password, at once.
	lan := want
	lan.Metrics = "lan"
	if _, err := svc.SetSettings(ctx, lan); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("", "", "GET", "/metrics", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("metrics for the local network, asked from it: %d, want 200", resp.StatusCode)
	}
	if _, err := svc.SetSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	s.Restart()
	if got, err := control(t, s).Settings(ctx); err != nil || got != want {
		t.Errorf("after a restart: %+v, %v; want %+v", got, err, want)
	}
}
