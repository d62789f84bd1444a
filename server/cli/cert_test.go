package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/certs/certstest"
	"github.com/hearth-home/hearth/server/paths"
)

// TestCertRenewCA: a server whose CA was made before name constraints says so in
// 'hearthd status'; 'hearthd cert renew-ca' against the running daemon has the daemon
// make a new one, which it presents at once (no restart), and status no longer warns.
func TestCertRenewCA(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	certstest.LegacyCA(t, paths.TLS(state), certstest.Old())
	authority := regexp.MustCompile(`Authority +SHA-256 ([0-9A-F:]+)(.*)`)
	defer startDaemon(t, state)()
	before := authority.FindStringSubmatch(mustRun(t, state, "status"))
	if before == nil || !strings.Contains(before[2], "hearthd cert renew-ca") {
		t.Fatalf("status does not warn about the old CA: %q", before)
	}
	out := mustRun(t, state, "cert", "renew-ca")
	if !strings.Contains(out, "presents the new one already") || !strings.Contains(out, "move to it by themselves") {
		t.Errorf("renew-ca against a running daemon:\n%s", out)
	}
	after := authority.FindStringSubmatch(mustRun(t, state, "status"))
	if after == nil || after[1] == before[1] || after[2] != "" || !strings.Contains(out, after[1]) {
		t.Errorf("after renew-ca the running daemon presents %q (renew-ca said:\n%s)", after, out)
	}
	if out, code := hearthd(t, state, "cert", "renew"); code != 2 || !strings.Contains(out, "cert renew-ca") {
		t.Errorf("a wrong verb: %d %s", code, out)
	}
}

// TestCertRenewCAOwner: renew-ca run as root while hearthd is stopped leaves the new
// keys to the account that owns the state folder (the one hearthd runs as), which
// could not read them otherwise (they are 0600).
func TestCertRenewCAOwner(t *testing.T) {
	testenv.NeedRoot(t)
	state := filepath.Join(t.TempDir(), "state")
	certstest.LegacyCA(t, paths.TLS(state), certstest.Old())
	const uid, gid = 65534, 65534 // nobody, standing for the hearth account
	if err := filepath.Walk(state, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}); err != nil {
		t.Fatal(err)
	}
	mustRun(t, state, "cert", "renew-ca")
	err := filepath.Walk(paths.TLS(state), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid || st.Gid != gid {
			t.Errorf("%s belongs to %d:%d, not to the state folder's owner", filepath.Base(p), st.Uid, st.Gid)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(paths.TLS(state), "ca.key")); err != nil {
		t.Fatal(err)
	}
}
