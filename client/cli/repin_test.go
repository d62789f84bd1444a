package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/certs/certstest"
	servercli "github.com/hearth-home/hearth/server/cli"
	"github.com/hearth-home/hearth/server/paths"
)

// TestStatusFollowsRenewCA: after 'hearthd cert renew-ca' on the server, 'hearth status'
// on a joined PC says the server has a new authority, saves the new pin, and reaches it.
func TestStatusFollowsRenewCA(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	config := filepath.Join(t.TempDir(), "hearth", "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	t.Setenv("HEARTH_NO_MOUNT_SCAN", "1")
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", s.URL); code != 0 {
		t.Fatalf("join: %d %s", code, out)
	}
	s.Stop()
	var out bytes.Buffer
	if code := servercli.Main(context.Background(), []string{"-state", s.State, "cert", "renew-ca"}, &out, &out); code != 0 || !strings.Contains(out.String(), "move to it by themselves") {
		t.Fatalf("hearthd cert renew-ca: %d\n%s", code, out.String())
	}
	s.Restart()
	cfg, err := connector.Load(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server = s.URL // the restarted test server listens on another port
	cfg.Save(config)

	info, _ := s.Admin().Server(context.Background())
	st, _ := hearth(t, "", "status")
	if !strings.Contains(st, "new certificate authority") || !strings.Contains(st, info.CAFingerprint) || !strings.Contains(st, "Reachable: yes") {
		t.Errorf("status after renew-ca:\n%s", st)
	}
	if cfg, err := connector.Load(config); err != nil || cfg.CAFingerprint != info.CAFingerprint {
		t.Errorf("the new pin was not saved: %v", err)
	}
	if st, _ := hearth(t, "", "status"); strings.Contains(st, "new certificate authority") {
		t.Errorf("a second status moved again:\n%s", st)
	}
}

// TestTrustCARefusesAnUnlimitedCA: 'hearth join -trust-ca' to a server whose CA was made
// before name constraints joins, but does not add that CA (which could vouch for any web
// site) to the PC's trust store.
func TestTrustCARefusesAnUnlimitedCA(t *testing.T) {
	s := apptest.Start(t)
	s.Stop()
	certstest.LegacyCA(t, paths.TLS(s.State), certstest.Old())
	s.Restart()
	s.AddUser("mum", "correct horse", false)
	config := filepath.Join(t.TempDir(), "hearth", "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	before, _ := os.ReadDir(connector.SystemTrustStore().LocalDir)
	out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-trust-ca", s.URL)
	if code != 0 || !strings.Contains(out, "has joined") || !strings.Contains(out, "not added to this PC's trust store") {
		t.Fatalf("join -trust-ca: %d %s", code, out)
	}
	if cfg, err := connector.Load(config); err != nil || cfg.TrustedCA != "" {
		t.Errorf("the config says the CA is trusted (%q, %v)", cfg.TrustedCA, err)
	}
	if after, _ := os.ReadDir(connector.SystemTrustStore().LocalDir); len(after) != len(before) {
		t.Errorf("the PC's trust store changed: %d entries, then %d", len(before), len(after))
	}
}
