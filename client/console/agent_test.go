package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/cli"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/internal/testenv"
)

// newData writes a file of random bytes, big enough that a backup of it is caught by the
// gate mid-way.
func newData(t *testing.T, dir, name string) {
	t.Helper()
	b := make([]byte, 32<<20)
	rand.Read(b)
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHomeFollowsTheAgent runs the real agent (hearth agent) for a PC of a real server,
// reached through a gate that can hold a backup mid-way. Back up now in the console and
// in the tray, asked at the same moment, make one backup; Home shows it with its
// progress and who started it, and so a backup started with hearth backup; once the
// agent stops, Home says the nightly backup will not run and offers to start it.
func TestHomeFollowsTheAgent(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	u, _ := url.Parse(s.URL)
	gate := testenv.NewGate(t, u.Host)
	cfg.Server = "https://" + gate.Addr
	// Half a day away: the schedule starts nothing during the test.
	cfg.Backup.At = time.Now().Add(12 * time.Hour).Format("15:04")
	config := filepath.Join(t.TempDir(), "connector.json")
	if err := cfg.Save(config); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	if _, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	agentCtx, stop := context.WithCancel(ctx)
	var agentOut syncBuffer
	ended := make(chan int)
	go func() { ended <- cli.Main(agentCtx, []string{"agent"}, strings.NewReader(""), &agentOut, &agentOut) }()
	agentDone := false
	defer func() {
		if stop(); !agentDone {
			<-ended
		}
	}()

	c := testConsole(t, cfg, config, time.Now)
	c.show(gather(ctx, cfg, time.Now()), "home")
	h := c.home
	followed(t, c, func() bool { return c.agent.up && !c.agent.st.Next.IsZero() })
	if !strings.HasPrefix(h.next.Text, "Next backup: ") || h.startAgent.Visible() {
		t.Errorf("with the agent running, Home says %q (Start the agent shown: %v)", h.next.Text, h.startAgent.Visible())
	}

	// The tray and the console ask at the same moment: neither has heard of the other's.
	gate.Hold(1 << 20)
	newData(t, cfg.Backup.Include[0], "video.bin")
	test.Tap(h.backUp) // the console asks first, so its ask is the one that starts
	c.work.wait()
	tray, err := localapi.Dial(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer tray.Close()
	st, trayStarted, err := tray.Backup(ctx, localapi.Request{By: localapi.ByTray}) // as the tray's Back up now
	if err != nil || trayStarted || !st.Running || st.By != localapi.ByConsole {
		t.Fatalf("the tray's Back up now, right after the console's: started %v, %+v, %v; want the console's backup running", trayStarted, st, err)
	}
	showing(t, c, "the backup mid-way", func() bool {
		p := c.agent.st.Progress
		return c.agent.st.Running && p != nil && p.Bytes > 0
	})
	busy := regexp.MustCompile(`^Backing up… [0-9]+% \([0-9]+ files?, [0-9.]+ [KMG]?i?B\)$`)
	if !busy.MatchString(h.result.Text) || h.next.Text != "Started from the console." || !h.backUp.Disabled() || !h.progress.Visible() {
		t.Errorf("mid-way, Home says %q, %q; Back up now disabled %v, progress shown %v", h.result.Text, h.next.Text, h.backUp.Disabled(), h.progress.Visible())
	}
	gate.Release()
	showing(t, c, "the backup's end", func() bool { return !c.agent.st.Running && c.agent.st.Last != nil })
	if !regexp.MustCompile(`^Backed up 2 files; [0-9.]+ [KMG]?i?B was new\.$`).MatchString(h.result.Text) ||
		!strings.HasPrefix(h.last.Text, "Last backup: today at") || !strings.Contains(h.last.Text, "2 files") {
		t.Errorf("after the backup, Home says %q, %q", h.result.Text, h.last.Text)
	}
	if n := backups(t, cfg); n != 2 {
		t.Errorf("two Back up now at once: the server has %d backups; want 2 (one before, one now)", n)
	}
	c.work.wait() // the Backups page reads the list again
	if n := len(c.backups.snaps); n != 2 || c.backups.snaps[0].ID != c.last.ID {
		t.Errorf("the Backups page lists %d backups, newest %+v; want 2, the newest first", n, c.backups.snaps)
	}

	// hearth backup, typed while the agent runs, goes through it: Home shows it.
	gate.Hold(1 << 20)
	newData(t, cfg.Backup.Include[0], "video2.bin")
	var cliOut strings.Builder
	cliDone := make(chan int)
	go func() { cliDone <- cli.Main(ctx, []string{"backup"}, strings.NewReader(""), &cliOut, &cliOut) }()
	showing(t, c, "hearth backup's backup mid-way", func() bool {
		p := c.agent.st.Progress
		return c.agent.st.Running && c.agent.st.By == localapi.ByCLI && p != nil && p.Bytes > 0
	})
	if !busy.MatchString(h.result.Text) || h.next.Text != "Started from the command line." || !h.backUp.Disabled() {
		t.Errorf("during hearth backup, Home says %q, %q", h.result.Text, h.next.Text)
	}
	gate.Release()
	if code := <-cliDone; code != 0 || !strings.Contains(cliOut.String(), "Backed up 3 files") {
		t.Errorf("hearth backup: %d %s", code, cliOut.String())
	}
	if n := backups(t, cfg); n != 3 {
		t.Errorf("the server has %d backups; want 3", n)
	}

	stop()
	<-ended
	agentDone = true
	showing(t, c, "the agent gone", func() bool { return !c.agent.up })
	if !strings.Contains(h.next.Text, "will not run") || !h.startAgent.Visible() {
		t.Errorf("with no agent, Home says %q (Start the agent shown: %v)", h.next.Text, h.startAgent.Visible())
	}
}

// syncBuffer is a program's output, written while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func backups(t *testing.T, cfg connector.Config) int {
	t.Helper()
	bc, err := backupclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := bc.Snapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(snaps)
}
