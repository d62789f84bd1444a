package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

// hearth runs one command with answers to its prompts and returns its output.
func hearth(t *testing.T, input string, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(input), &out, &out)
	return out.String(), code
}

// TestJoinStatusLeave goes through what a person types on a PC.
func TestJoinStatusLeave(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	config := filepath.Join(t.TempDir(), "hearth", "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)

	if out, code := hearth(t, "no\n", "join", s.URL); code == 0 || !strings.Contains(out, "not confirmed") {
		t.Errorf("join without confirming the fingerprint: %d %s", code, out)
	}
	if out, code := hearth(t, "yes\nmum\nwrong password\n", "join", s.URL); code == 0 || !strings.Contains(out, "wrong user name or password") {
		t.Errorf("join with a wrong password: %d %s", code, out)
	}
	info, _ := s.Admin().Server(context.Background())
	out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Mum's laptop", s.URL)
	if code != 0 || !strings.Contains(out, info.CAFingerprint) || !strings.Contains(out, "has joined") {
		t.Fatalf("join: %d %s", code, out)
	}
	if st, err := os.Stat(config); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config %v %v, want mode 0600", st, err)
	}
	if out, code := hearth(t, "", "join", "-yes", s.URL); code == 0 || !strings.Contains(out, "already joined") {
		t.Errorf("second join: %d %s", code, out)
	}
	out, _ = hearth(t, "", "status")
	if !strings.Contains(out, "Reachable: yes, signed in as mum") || !strings.Contains(out, "Public (full)") {
		t.Errorf("status:\n%s", out)
	}
	if ds, _ := s.Admin().Devices(context.Background()); len(ds) != 1 || ds[0].Name != "Mum's laptop" {
		t.Errorf("devices on the server: %+v", ds)
	}
	if out, code := hearth(t, "", "leave"); code != 0 || !strings.Contains(out, "has left") {
		t.Errorf("leave: %d %s", code, out)
	}
	if ds, _ := s.Admin().Devices(context.Background()); len(ds) != 0 {
		t.Errorf("devices after leaving: %+v", ds)
	}
	if out, code := hearth(t, "", "status"); code == 0 || !strings.Contains(out, "has not joined") {
		t.Errorf("status after leaving: %d %s", code, out)
	}
}
