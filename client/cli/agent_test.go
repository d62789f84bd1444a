package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// syncBuffer is a program's output, written while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestBackupThroughTheAgent: while hearth agent runs, hearth backup asks it and follows
// its backup rather than making its own; a second agent does not start; once the agent
// has stopped, hearth backup backs up by itself again.
func TestBackupThroughTheAgent(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	config := filepath.Join(t.TempDir(), "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Laptop", s.URL); code != 0 {
		t.Fatalf("join: %s", out)
	}
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644)
	// Half a day away: the agent's schedule starts no backup during the test.
	at := time.Now().Add(12 * time.Hour).Format("15:04")
	if out, code := hearth(t, "", "backup", "-include", home, "-at", at, "-save"); code != 0 || !strings.Contains(out, "Backed up 1 file") {
		t.Fatalf("a backup with no agent: %d %s", code, out)
	}

	agentCtx, stop := context.WithCancel(ctx)
	var agentOut syncBuffer
	ended := make(chan int)
	go func() { ended <- Main(agentCtx, []string{"agent"}, strings.NewReader(""), &agentOut, &agentOut) }()
	var agent *localapi.Client
	pooltest.Eventually(t, 30*time.Second, "the agent's channel", func() bool {
		c, err := localapi.Dial(ctx, config)
		agent = c
		return err == nil
	})
	defer agent.Close()
	if out, code := hearth(t, "", "agent"); code != 1 || !strings.Contains(out, "already running") {
		t.Errorf("a second agent: %d %s", code, out)
	}
	out, code := hearth(t, "", "backup")
	if code != 0 || !strings.Contains(out, "The Hearth agent is backing this PC up") || !strings.Contains(out, "Backed up 1 file") {
		t.Errorf("hearth backup with the agent running: %d %s", code, out)
	}
	if st, err := agent.State(ctx); err != nil || st.Last == nil || st.Last.By != localapi.ByCLI || st.Run != 1 || !st.Last.OK {
		t.Errorf("the agent's state after hearth backup: %+v %v", st, err)
	}
	stop()
	if code := <-ended; code != 0 {
		t.Errorf("the agent ended with %d: %s", code, agentOut.String())
	}
	if out, code := hearth(t, "", "backup"); code != 0 || strings.Contains(out, "agent") || !strings.Contains(out, "Backed up 1 file") {
		t.Errorf("hearth backup after the agent stopped: %d %s", code, out)
	}
	cfg, err := connector.Load(config)
	if err != nil {
		t.Fatal(err)
	}
	bc, _ := backupclient.New(cfg)
	if snaps, err := bc.Snapshots(ctx); err != nil || len(snaps) != 3 {
		t.Errorf("the server has %d backups (%v); want 3", len(snaps), err)
	}
}
