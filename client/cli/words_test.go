package cli

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/internal/plainwords"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestEveryFailureInPlainWords drives every failure hearth can meet, for real, against a
// real server: wrong passwords, a restore target it may not write, the server stopped
// mid-backup and the server away, and fails on any Go-ish text the person would read.
func TestEveryFailureInPlainWords(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	u, _ := url.Parse(s.URL)
	gate := testenv.NewGate(t, u.Host)
	config := filepath.Join(t.TempDir(), "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	server := "https://" + gate.Addr

	seen := map[string]string{} // what was done → all the person read
	try := func(what, input string, args ...string) string {
		t.Helper()
		out, code := hearth(t, input, args...)
		if code == 0 {
			t.Errorf("%s: succeeded: %s", what, out)
		}
		seen[what] = out
		return out
	}

	try("join with a wrong password", "yes\nmum\nwrong\n", "join", "-name", "Laptop", server)
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Laptop", server); code != 0 {
		t.Fatalf("join: %s", out)
	}
	home := filepath.Join(t.TempDir(), "mum")
	os.MkdirAll(home, 0o755)
	os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644)
	if out, code := hearth(t, "", "backup", "-include", home, "-save"); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	if out, code := hearth(t, "", "pin", "latest"); code != 0 {
		t.Fatalf("pin: %s", out)
	}
	try("unpin with a wrong password", "wrong\n", "unpin", "latest")

	locked := filepath.Join(t.TempDir(), "locked")
	os.Mkdir(locked, 0o500)
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	if os.Getuid() == 0 {
		t.Log("as root, a folder's mode does not stop writes: TestRestoreWhereItMayNotWrite runs hearth as another user for this")
	} else {
		try("restore into a folder it may not write", "", "restore", "-to", filepath.Join(locked, "here"), "latest")
	}
	// A target whose writes fail whoever runs the test: a folder inside a file.
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	try("restore into a place that cannot be a folder", "", "restore", "-to", filepath.Join(file, "here"), "latest")
	try("restore an unknown backup", "", "restore", "-to", t.TempDir(), "ffff")

	// The server stopped mid-backup: the gate holds the upload, then the server goes.
	big := make([]byte, 8<<20)
	rand.Read(big) // not compressible: the upload is long enough to hold
	os.WriteFile(filepath.Join(home, "video.bin"), big, 0o644)
	gate.Hold(1 << 20)
	out := &syncBuffer{}
	ended := make(chan int)
	go func() {
		ended <- Main(context.Background(), []string{"backup"}, strings.NewReader(""), out, out)
	}()
	time.Sleep(time.Second) // the upload reaches the hold (not an assertion: a backup that ended is an error below)
	gate.Cut()
	s.Stop()
	gate.Release()
	select {
	case code := <-ended:
		if code == 0 {
			t.Errorf("backup with the server stopped mid-way succeeded: %s", out)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the backup never ended after the server stopped")
	}
	seen["the server stopped mid-backup"] = out.String()

	// The server away: every command that needs it.
	for _, c := range [][]string{{"backup"}, {"snapshots"}, {"pin", "latest"}, {"restore", "-to", t.TempDir(), "latest"}} {
		try(strings.Join(c, " ")+" with the server away", "", c...)
	}
	out2, _ := hearth(t, "", "status")
	seen["status with the server away"] = out2
	// Leaving works without the server, which is then told in words what it missed.
	if out3, code := hearth(t, "", "leave"); code != 0 || !strings.Contains(out3, "could not be told") {
		t.Errorf("leave with the server away: %d %q", code, out3)
	} else {
		seen["leave with the server away"] = out3
	}
	os.Remove(config)
	try("join a server that is away", "yes\nmum\ncorrect horse\n", "join", "-name", "Laptop", server)

	for what, text := range seen {
		if found := plainwords.Find(text); len(found) > 0 {
			t.Errorf("%s: the person reads %q, which has %q", what, text, found)
		} else {
			t.Logf("%s: %q", what, text)
		}
	}
}

// TestAgentFailureInPlainWords: the real agent's backup, started as the tray's Back up
// now and cut by the server stopping mid-way, ends with words the tray notifies and the
// console's Home shows as they are; they must be plain.
func TestAgentFailureInPlainWords(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	u, _ := url.Parse(s.URL)
	gate := testenv.NewGate(t, u.Host)
	config := filepath.Join(t.TempDir(), "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Laptop", "https://"+gate.Addr); code != 0 {
		t.Fatalf("join: %s", out)
	}
	home := t.TempDir()
	big := make([]byte, 8<<20)
	rand.Read(big)
	os.WriteFile(filepath.Join(home, "video.bin"), big, 0o644)
	// Half a day away: the agent's schedule starts no backup during the test.
	at := time.Now().Add(12 * time.Hour).Format("15:04")
	if out, code := hearth(t, "", "backup", "-include", home, "-at", at, "-save"); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	os.WriteFile(filepath.Join(home, "video2.bin"), big[1:], 0o644)

	agentCtx, stop := context.WithCancel(ctx)
	agentOut := &syncBuffer{}
	ended := make(chan int)
	go func() { ended <- Main(agentCtx, []string{"agent"}, strings.NewReader(""), agentOut, agentOut) }()
	defer func() { stop(); <-ended }()
	var agent *localapi.Client
	pooltest.Eventually(t, 30*time.Second, "the agent's channel", func() bool {
		c, err := localapi.Dial(ctx, config)
		agent = c
		return err == nil
	})
	defer agent.Close()
	gate.Hold(1 << 20)
	if _, _, err := agent.Backup(ctx, localapi.Request{By: localapi.ByTray}); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 30*time.Second, "the backup mid-way", func() bool {
		st, err := agent.State(ctx)
		return err == nil && st.Running && st.Progress != nil && st.Progress.Bytes > 0
	})
	gate.Cut()
	s.Stop()
	gate.Release()
	var last *localapi.Result
	pooltest.Eventually(t, 2*time.Minute, "the backup's end", func() bool {
		st, err := agent.State(ctx)
		if err == nil && !st.Running && st.Last != nil && st.Run == 1 {
			last = st.Last
		}
		return last != nil
	})
	if last.OK {
		t.Fatalf("the backup succeeded with the server stopped mid-way: %+v", last)
	}
	if found := plainwords.Find(last.Words); len(found) > 0 {
		t.Errorf("the tray and the console say %q, which has %q", last.Words, found)
	} else {
		t.Logf("the tray and the console say %q", last.Words)
	}
}
