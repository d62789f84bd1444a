package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app"
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
	if out, code := hearth(t, "yes\nmum\nwrong password\n", "join", s.URL); code == 0 || !strings.Contains(out, "the user name or password is wrong") {
		t.Errorf("join with a wrong password: %d %s", code, out)
	}
	info, _ := s.Admin().Server(context.Background())
	if out, code := hearth(t, "mum\ncorrect horse\n", "join", "-fingerprint", "AB:CD", s.URL); code == 0 || !strings.Contains(out, "not the one given") {
		t.Errorf("join with a wrong -fingerprint: %d %s", code, out)
	}
	out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Mum's laptop", s.URL)
	if code != 0 || !strings.Contains(out, info.CAFingerprint) || !strings.Contains(out, "has joined") {
		t.Fatalf("join: %d %s", code, out)
	}
	if st, err := os.Stat(config); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config %v %v, want mode 0600", st, err)
	}
	if out, code := hearth(t, "", "join", s.URL); code == 0 || !strings.Contains(out, "already joined") {
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

// TestJoinByDiscovery: on a network where a server announces itself, hearth join needs
// no address. The test runs itself again inside a network namespace of its own, with
// multicast on its loopback, so nothing goes out on the machine's network.
func TestJoinByDiscovery(t *testing.T) {
	if os.Getenv("HEARTH_TEST_IN_NETNS") == "" {
		testenv.NeedRoot(t)
		testenv.NeedTool(t, "ip")
		ns := fmt.Sprintf("hzj%d", os.Getpid())
		if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add: %v %s", err, out)
		}
		defer exec.Command("ip", "netns", "del", ns).Run()
		for _, args := range [][]string{{"link", "set", "lo", "up"}, {"link", "set", "lo", "multicast", "on"}} {
			if out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput(); err != nil {
				t.Fatalf("ip %v: %v %s", args, err, out)
			}
		}
		cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestJoinByDiscovery$", "-test.v")
		cmd.Env = append(os.Environ(), "HEARTH_TEST_IN_NETNS=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestJoinByDiscovery") {
			t.Fatalf("inside the namespace: %v\n%s", err, out)
		}
		return
	}
	s := apptest.Start(t, func(o *app.Options) { o.NoDiscovery = false })
	s.AddUser("mum", "correct horse", false)
	t.Setenv("HEARTH_CONNECTOR_CONFIG", filepath.Join(t.TempDir(), "connector.json"))
	out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join")
	if code != 0 || !strings.Contains(out, "Found Hearth on ") || !strings.Contains(out, "has joined "+s.URL) {
		t.Fatalf("join by discovery: %d\n%s", code, out)
	}
	if out, _ := hearth(t, "", "status"); !strings.Contains(out, "Reachable: yes") {
		t.Errorf("status:\n%s", out)
	}
}

// TestJoinWithCode: with a join code nothing is asked: no fingerprint to compare, no user
// name, no password; a code typed loosely still reads, a mistyped one and another
// server are refused in words.
func TestJoinWithCode(t *testing.T) {
	s, other := apptest.Start(t), apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	t.Setenv("HEARTH_CONNECTOR_CONFIG", filepath.Join(t.TempDir(), "hearth", "connector.json"))
	resp, body := s.Do("mum", "correct horse", "POST", "/api/v1/joincodes", nil)
	var jc struct{ Code string }
	if err := json.Unmarshal([]byte(body), &jc); err != nil || resp.StatusCode != 201 {
		t.Fatalf("a join code: %d %s", resp.StatusCode, body)
	}
	if out, code := hearth(t, "", "join", "-code", "7K2QD-M9XWA", s.URL); code == 0 || !strings.Contains(out, "twenty letters and digits") {
		t.Errorf("a code too short: %d %s", code, out)
	}
	if out, code := hearth(t, "", "join", "-code", jc.Code, other.URL); code == 0 || !strings.Contains(out, "not the one that made this join code") {
		t.Errorf("another server: %d %s", code, out)
	}
	typed := strings.ToLower(strings.ReplaceAll(jc.Code, "-", " "))
	out, code := hearth(t, "", "join", "-code", typed, "-name", "Mum's laptop", s.URL)
	if code != 0 || !strings.Contains(out, "has joined") || !strings.Contains(out, "as mum") {
		t.Fatalf("join with the code: %d %s", code, out)
	}
	if strings.Contains(out, "Password") || strings.Contains(out, "Is it the same") {
		t.Errorf("the join with a code asked something:\n%s", out)
	}
}
