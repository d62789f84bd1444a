package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/certfp"
)

// hearthdWithInput runs a command that asks for a password, answering from input.
func hearthdWithInput(t *testing.T, state, input string, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := MainWithInput(context.Background(), append([]string{"-state", state}, args...), strings.NewReader(input), &out, &out)
	return out.String(), code
}

// TestUsersAndAccess goes through setup, users and share access as an administrator
// types them, against a running daemon.
func TestUsersAndAccess(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	stop := startDaemon(t, state)
	defer stop()

	out := mustRun(t, state, "status")
	for _, want := range []string{"Drive        https://", "Certificate  SHA-256 ", "no administrator yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("status does not say %q:\n%s", want, out)
		}
	}
	if out, code := hearthdWithInput(t, state, "short\n", "setup", "-name", "dad"); code == 0 || !strings.Contains(out, "at least 8") {
		t.Errorf("setup with a short password: %d %s", code, out)
	}
	if out, code := hearthdWithInput(t, state, "correct horse\n", "setup", "-name", "dad"); code != 0 {
		t.Fatalf("setup: %s", out)
	}
	if out, code := hearthdWithInput(t, state, "correct horse\n", "setup", "-name", "eve"); code == 0 || !strings.Contains(out, "already set up") {
		t.Errorf("second setup: %d %s", code, out)
	}
	if out, code := hearthdWithInput(t, state, "kids password\n", "user", "add", "kid"); code != 0 {
		t.Fatalf("user add: %s", out)
	}
	if out, code := hearthdWithInput(t, state, "whatever1\n", "user", "add", "Music"); code == 0 || !strings.Contains(out, "share already has that name") {
		t.Errorf("a user named like a share: %d %s", code, out)
	}
	out = mustRun(t, state, "user", "list")
	if !strings.Contains(out, "dad   administrator") || !strings.Contains(out, "kid   user") {
		t.Errorf("user list:\n%s", out)
	}
	out = mustRun(t, state, "share", "list")
	for _, want := range []string{"Software", "kid:read", "kid:full", "dad:full"} {
		if !strings.Contains(out, want) {
			t.Errorf("share list does not show %q:\n%s", want, out)
		}
	}
	mustRun(t, state, "share", "add", "Taxes", "-access", "kid=none")
	out = mustRun(t, state, "share", "set", "Pictures", "-access", "kid=read")
	if !strings.Contains(out, "kid may now only read files in Pictures") {
		t.Errorf("share set -access: %s", out)
	}
	if out, code := hearthd(t, state, "share", "set", "Pictures", "-access", "kid=owner"); code == 0 || !strings.Contains(out, "none, read or full") {
		t.Errorf("a bad level: %d %s", code, out)
	}
	out = mustRun(t, state, "share", "list")
	if !strings.Contains(out, "Pictures   1 copy (automatic)  0      0 B   streamed  dad:full kid:read") {
		t.Errorf("share list after set:\n%s", out)
	}
	if out, code := hearthdWithInput(t, state, "new password\n", "user", "passwd", "kid"); code != 0 {
		t.Errorf("passwd: %s", out)
	}
	out = mustRun(t, state, "user", "token", "kid", "-label", "tablet")
	if !strings.HasPrefix(out, "hth_") {
		t.Errorf("token: %s", out)
	}
	// A password change does not end a device's own sign-in: passwd says so.
	if out, code := hearthdWithInput(t, state, "newer password\n", "user", "passwd", "kid"); code != 0 || !strings.Contains(out, "1 device(s) keep their own sign-in") {
		t.Errorf("passwd with a device: %d %s", code, out)
	}
	out = mustRun(t, state, "device", "list")
	fields := strings.Fields(strings.Split(out, "\n")[1])
	if len(fields) < 3 || fields[1] != "kid" || fields[2] != "tablet" {
		t.Fatalf("device list:\n%s", out)
	}
	if out := mustRun(t, state, "device", "remove", fields[0]); !strings.Contains(out, "can no longer sign in") {
		t.Errorf("device remove: %s", out)
	}
	if out, code := hearthd(t, state, "device", "remove", fields[0]); code == 0 || !strings.Contains(out, "no such device") {
		t.Errorf("removing it twice: %d %s", code, out)
	}
	if out, code := hearthd(t, state, "user", "remove", "dad"); code == 0 || !strings.Contains(out, "last administrator") {
		t.Errorf("removing the last administrator: %d %s", code, out)
	}
	mustRun(t, state, "user", "remove", "kid")
	if out := mustRun(t, state, "user", "list"); strings.Contains(out, "kid") {
		t.Errorf("kid is still listed:\n%s", out)
	}
	if out := mustRun(t, state, "share", "list"); !strings.Contains(out, "kid's own folder") {
		t.Errorf("kid's share went with kid:\n%s", out)
	}
}

// TestRebuildKeepsUsers: a rebuild of the index from the drives keeps the users and who
// may open what, which the drives do not hold.
func TestRebuildKeepsUsers(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	stop := startDaemon(t, state)
	if out, code := hearthdWithInput(t, state, "correct horse\n", "setup", "-name", "dad"); code != 0 {
		t.Fatal(out)
	}
	hearthdWithInput(t, state, "kids password\n", "user", "add", "kid")
	mustRun(t, state, "share", "set", "Pictures", "-access", "kid=read")
	stop()
	out := mustRun(t, state, "pool", "rebuild")
	if strings.Contains(out, "could not be carried over") {
		t.Fatal(out)
	}
	kept := regexp.MustCompile(`The old catalog is kept as (\S+)\.\n`).FindStringSubmatch(out)
	if kept == nil {
		t.Errorf("pool rebuild does not say where the old catalog is:\n%s", out)
	} else if _, err := os.Stat(kept[1]); err != nil {
		t.Errorf("pool rebuild says the old catalog is kept as %s, but: %v", kept[1], err)
	}
	if out := mustRun(t, state, "user", "list"); !strings.Contains(out, "dad") || !strings.Contains(out, "kid") {
		t.Errorf("users after a rebuild:\n%s", out)
	}
	if out := mustRun(t, state, "share", "list"); !strings.Contains(out, "dad:full kid:read") {
		t.Errorf("access after a rebuild:\n%s", out)
	}
}

// TestStatusLeadsWithTheAuthority: the first fingerprint 'hearthd status' shows is the
// authority's, the one a joining PC sees in the server's TLS chain and shows.
func TestStatusLeadsWithTheAuthority(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	stop := startDaemon(t, state)
	defer stop()
	out := mustRun(t, state, "status")
	drive := regexp.MustCompile(`Drive +https://([^/]+)/`).FindStringSubmatch(out)
	first := regexp.MustCompile(`SHA-256 ([0-9A-F:]+)`).FindStringSubmatch(out)
	if drive == nil || first == nil {
		t.Fatalf("status:\n%s", out)
	}
	_, port, _ := strings.Cut(drive[1], ":")
	conn, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{InsecureSkipVerify: true}) // only to read the chain
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	chain := conn.ConnectionState().PeerCertificates
	if ca := certfp.SHA256(chain[len(chain)-1]); first[1] != ca {
		t.Errorf("status shows %s first; a joining PC shows the authority's %s:\n%s", first[1], ca, out)
	}
}
