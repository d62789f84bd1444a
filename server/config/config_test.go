package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "none.json"))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := c.PoolOptions()
	if o.CheckEvery != 2*time.Second || o.ScrubEvery != 720*time.Hour || o.Reserve != 0 || o.BackgroundRate != 200<<20 {
		t.Errorf("defaults = %+v", o)
	}
}

func TestOverrideAndErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hearthd.json")
	os.WriteFile(path, []byte(`{"drive_reserve": "5GiB", "versions_max": 3}`), 0o644)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.PoolOptions(); o.Reserve != 5<<30 || o.VersionsMax != 3 {
		t.Errorf("override = %+v", o)
	}
	os.WriteFile(path, []byte(`{"check_every": "soon", "versions_max": 0, "background_rate": "x", "health_every": "0s", "backup_overdue": "a week", "metrics": "everyone", "tls_names": ["home.example.net", "203.0.113.9", "https://x", "duckdns.org", "co.uk", "media"]}`), 0o644)
	_, err = Load(path)
	// A public suffix or a single label would let the CA vouch for other people's sites.
	for _, want := range []string{"check_every", "versions_max", "background_rate", "health_every", "backup_overdue", "metrics", `tls_names: "https://x"`,
		`tls_names: "duckdns.org"`, `tls_names: "co.uk"`, `tls_names: "media"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %s", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), `tls_names: "home.example.net"`) {
		t.Errorf("a name the family owns is refused: %v", err)
	}
	os.WriteFile(path, []byte(`{"chek_every": "1s"}`), 0o644)
	if _, err := Load(path); err == nil {
		t.Error("a misspelt setting was accepted silently")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"512": 512, "64KiB": 64 << 10, "1 GiB": 1 << 30, "2TB": 2 << 40, "0B": 0} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-1", "1.5GiB", "lots"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}
