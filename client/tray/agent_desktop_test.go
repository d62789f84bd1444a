package main

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestTrayFollowsTheAgent runs the real tray on a virtual desktop for a PC of a real
// server, reached through a gate that can hold a backup mid-way. With no agent running,
// the menu says the nightly backup will not run and offers to start the agent; clicked,
// the tray starts it, and the backup the agent's schedule then starts at once shows in
// the tray, blue, with its progress and who started it. hearth backup, typed meanwhile,
// follows that backup rather than making another; typed later, its backup goes through
// the agent and shows in the tray the same way. The menu says when the last backup was
// and whether it finished; one that did not, because the server went away, is said
// there and in one notification, in words.
func TestTrayFollowsTheAgent(t *testing.T) {
	d := startDesktop(t)
	d.startNotifications()
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, "mum", "correct horse", "Laptop")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.URL)
	gate := testenv.NewGate(t, u.Host)
	cfg.Server = "https://" + gate.Addr
	home := t.TempDir()
	newData(t, home, "video.bin")
	cfg.Backup.Include = []string{home}
	cfg.Backup.At = time.Now().Add(12 * time.Hour).Format("15:04") // the schedule's next is far
	config := filepath.Join(t.TempDir(), "connector.json")
	if err := cfg.Save(config); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for pkg, name := range map[string]string{".": "hearth-tray", "../../client": "hearth"} {
		if msg, err := exec.Command(goTool, "build", "-o", filepath.Join(bin, name), pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, msg)
		}
	}
	// The agent the tray starts runs on its own; it ends with the test.
	t.Cleanup(func() {
		if c, err := localapi.Dial(ctx, config); err == nil {
			if st, err := c.State(ctx); err == nil && st.PID > 0 {
				if p, err := os.FindProcess(st.PID); err == nil {
					p.Kill()
				}
			}
			c.Close()
		}
	})
	tray := exec.Command(filepath.Join(bin, "hearth-tray"))
	// A home of its own: no agent registered at login there, so the tray starts
	// hearth agent itself.
	tray.Env = []string{"HEARTH_CONNECTOR_CONFIG=" + config, "HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	var log lockedBuffer
	tray.Stdout, tray.Stderr = &log, &log
	d.start(tray)
	var item string
	pooltest.Eventually(t, 20*time.Second, "the icon in the tray", func() bool { item = d.item(); return item != "" })
	showing := func(what string, want ...string) []menuItem {
		t.Helper()
		var items []menuItem
		deadline := time.Now().Add(30 * time.Second)
		for {
			items = d.menu(item)
			l := labels(items)
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l, w)
			}
			if ok {
				return items
			}
			if time.Now().After(deadline) {
				t.Fatalf("the menu never showed %s; it shows %q\n%s", what, l, log.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	items := showing("that no agent runs", "No nightly backup: the Hearth agent is not running", "Start the Hearth agent")
	d.screenshot("tray-no-agent.png")
	byLabel := func(label string) int {
		for _, it := range items {
			if it.label == label && it.visible {
				return it.id
			}
		}
		t.Fatalf("no %q in the menu: %s", label, labels(items))
		return -1
	}

	// Started, the agent backs this PC up at once (it never was): the tray shows it.
	gate.Hold(1 << 20)
	if err := d.click(item, byLabel("Start the Hearth agent")); err != nil {
		t.Fatal(err)
	}
	items = showing("the schedule's backup mid-way", "Started by the nightly schedule", "Backing up… ")
	if l := labels(items); strings.Contains(l, "Start the Hearth agent") || !strings.Contains(l, "%") {
		t.Errorf("with the agent backing up, the menu shows %q", l)
	}
	d.showsColour("tray-busy-schedule.png", "blue", 0x1a73e8)
	hearth := func() (*exec.Cmd, *lockedBuffer) {
		cmd := exec.Command(filepath.Join(bin, "hearth"), "backup")
		cmd.Env = append(os.Environ(), "HEARTH_CONNECTOR_CONFIG="+config)
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	cmd, out := hearth()
	pooltest.Eventually(t, 30*time.Second, "hearth backup following the running backup", func() bool {
		return strings.Contains(out.String(), "already running (started by the nightly schedule); following it")
	})
	gate.Release()
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "Backed up 1 file") {
		t.Errorf("hearth backup, following: %v %s", err, out.String())
	}
	showing("the backup's end and the next", "Last backup: ", ", finished", "Next backup: ")
	if n := serverBackups(t, cfg); n != 1 {
		t.Errorf("the server has %d backups; want 1", n)
	}

	// hearth backup, typed now, goes through the agent: the tray shows it.
	gate.Hold(1 << 20)
	newData(t, home, "video2.bin")
	cmd, out = hearth()
	showing("hearth backup's backup mid-way", "Started from the command line", "Backing up… ")
	d.showsColour("tray-busy-cli.png", "blue", 0x1a73e8)
	gate.Release()
	if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "The Hearth agent is backing this PC up") || !strings.Contains(out.String(), "Backed up 2 files") {
		t.Errorf("hearth backup: %v %s", err, out.String())
	}
	showing("the second backup's end", ", finished", "Next backup: ")
	if n := serverBackups(t, cfg); n != 2 {
		t.Errorf("the server has %d backups; want 2", n)
	}

	// The server goes away mid-way through a backup typed as hearth backup: the tray,
	// which did not start it, notifies the failure, and both say it in words.
	gate.Hold(1 << 20)
	newData(t, home, "video3.bin")
	cmd, out = hearth()
	showing("the third backup mid-way", "Started from the command line", "Backing up… ")
	gate.Cut()
	if err := cmd.Wait(); err == nil || !strings.Contains(out.String(), "The backup failed: the server cannot be reached.") {
		agentLog, _ := os.ReadFile(filepath.Join(filepath.Dir(config), "agent.log"))
		t.Errorf("hearth backup with the server gone: %v %s\nthe agent's log:\n%s", err, out.String(), agentLog)
	}
	items = showing("the failed backup", ", did not finish: the server cannot be reached")
	if l := labels(items); strings.Contains(l, ", finished") {
		t.Errorf("after the failed backup, the menu says %s", l)
	}
	d.screenshot("tray-failed.png")
	const failedTitle = "The backup of this PC did not finish"
	pooltest.Eventually(t, 10*time.Second, "a notification of the failure", func() bool {
		return slices.Contains(d.notifications(), failedTitle)
	})

	// The server back, a backup that finishes shows in the menu: every state of the
	// agent before it was seen, and the failure was notified once, in words.
	gate.Release()
	cmd, out = hearth()
	if err := cmd.Wait(); err != nil {
		t.Errorf("hearth backup with the server back: %v %s", err, out.String())
	}
	showing("the backup after the failed one", ", finished")
	var failures []notice
	for _, n := range d.notices() {
		if n.title == failedTitle {
			failures = append(failures, n)
		}
	}
	goish := regexp.MustCompile(`dial tcp|context canceled|: no such file|[0-9a-fA-F]{16,}|hearth [a-z]+ `)
	if len(failures) != 1 || !strings.HasPrefix(failures[0].body, "The server cannot be reached. Check that it is switched on") || goish.MatchString(failures[0].body) {
		t.Errorf("the failed backup was notified as %q; want once, in words", failures)
	}
	for _, n := range d.notices() {
		if n.title != failedTitle && strings.Contains(n.title, "backup") {
			t.Errorf("another notification of a backup: %q", n)
		}
	}
}

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

func serverBackups(t *testing.T, cfg connector.Config) int {
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
