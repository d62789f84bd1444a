package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/certs/certstest"
	"github.com/hearth-home/hearth/server/paths"
)

// TestCertRenewCA: a server whose CA was made before name constraints says so in
// 'hearthd status'; 'hearthd cert renew-ca' against the running daemon makes a new one
// (the daemon presents it after a restart), and status no longer warns.
func TestCertRenewCA(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	certstest.LegacyCA(t, paths.TLS(state), certstest.Old())
	authority := regexp.MustCompile(`Authority +SHA-256 ([0-9A-F:]+)(.*)`)
	stop := startDaemon(t, state)
	before := authority.FindStringSubmatch(mustRun(t, state, "status"))
	if before == nil || !strings.Contains(before[2], "hearthd cert renew-ca") {
		t.Fatalf("status does not warn about the old CA: %q", before)
	}
	out := mustRun(t, state, "cert", "renew-ca")
	if !strings.Contains(out, "restart it") || !strings.Contains(out, "move to it by themselves") {
		t.Errorf("renew-ca against a running daemon:\n%s", out)
	}
	stop()
	defer startDaemon(t, state)()
	after := authority.FindStringSubmatch(mustRun(t, state, "status"))
	if after == nil || after[1] == before[1] || after[2] != "" {
		t.Errorf("after renew-ca and a restart: %q", after)
	}
	if out, code := hearthd(t, state, "cert", "renew"); code != 2 || !strings.Contains(out, "cert renew-ca") {
		t.Errorf("a wrong verb: %d %s", code, out)
	}
}
