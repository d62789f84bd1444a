package main

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/words"
	"github.com/hearth-home/hearth/internal/plainwords"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// allTexts is every text o shows or holds, hidden parts, closed sections and every tab
// included: a failure said on a page not shown now is read all the same.
func allTexts(o fyne.CanvasObject) []string {
	switch w := o.(type) {
	case nil:
		return nil
	case *widget.Label:
		return []string{w.Text}
	case *widget.Button:
		return []string{w.Text}
	case *widget.Check:
		return []string{w.Text}
	case *widget.Entry:
		return []string{w.Text, w.PlaceHolder}
	case *widget.RichText:
		return []string{w.String()}
	case *canvas.Text:
		return []string{w.Text}
	case *widget.Form:
		var out []string
		for _, it := range w.Items {
			out = append(out, it.Text, it.HintText)
			out = append(out, allTexts(it.Widget)...)
		}
		return out
	case *container.AppTabs:
		var out []string
		for _, it := range w.Items {
			out = append(out, it.Text)
			out = append(out, allTexts(it.Content)...)
		}
		return out
	case *widget.Accordion:
		var out []string
		for _, it := range w.Items {
			out = append(out, it.Title)
			out = append(out, allTexts(it.Detail)...)
		}
		return out
	case *container.Scroll:
		return allTexts(w.Content)
	case *fyne.Container:
		var out []string
		for _, k := range w.Objects {
			out = append(out, allTexts(k)...)
		}
		return out
	case fyne.Widget:
		var out []string
		for _, k := range test.WidgetRenderer(w).Objects() {
			out = append(out, allTexts(k)...)
		}
		return out
	}
	return nil
}

// windowTexts is every text of the console's window: its pages and any dialog over them.
func windowTexts(c *console) []string {
	out := allTexts(c.win.Content())
	if c.tabs != nil && c.win.Content() != c.tabs {
		out = append(out, allTexts(c.tabs)...)
	}
	for _, o := range c.win.Canvas().Overlays().List() {
		out = append(out, allTexts(o)...)
	}
	return out
}

// plainWindow fails the test on any text of the window that is not plain words.
func plainWindow(t *testing.T, c *console, what string) {
	t.Helper()
	all := windowTexts(c)
	for _, text := range all {
		if found := plainwords.Find(text); len(found) > 0 {
			t.Errorf("%s: the window shows %q, which has %q", what, text, found)
		}
	}
	// The pages were read: a walk that reads nothing finds nothing wrong.
	for _, want := range []string{"Back up now", "Backups of " + c.cfg.DeviceName, "Leave this server…"} {
		if !strings.Contains(strings.Join(all, "\n"), want) {
			t.Errorf("%s: %q not among the window's texts %q", what, want, all)
		}
	}
}

// says fails the test unless text is plain and holds want.
func says(t *testing.T, what, text, want string) {
	t.Helper()
	if found := plainwords.Find(text); len(found) > 0 {
		t.Errorf("%s: %q, which has %q", what, text, found)
	}
	if !strings.Contains(text, want) {
		t.Errorf("%s: %q, not %q", what, text, want)
	} else {
		t.Logf("%s: %q", what, text)
	}
}

// photo adds a photo of n bytes that do not compress to the PC's home folder.
func photo(t *testing.T, cfg connector.Config, n int) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if err := os.WriteFile(filepath.Join(cfg.Backup.Include[0], "photo.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRestoreOntoBadDisksInPlainWords restores a backup, from the Backups page, onto real
// disks that refuse it: one too small (a tmpfs of 256 KiB, for a photo of 1 MiB) and one
// read-only. The page says so as the CLI and the tray do, and no part of the photo is
// left under its name.
func TestRestoreOntoBadDisksInPlainWords(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	photo(t, cfg, 1<<20)
	if _, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		disk     string
		options  string
		readOnly bool
		want     string
	}{
		{"a full disk", "size=256k", false, words.Full},
		{"a read-only disk", "size=256k", true, words.NoAccess},
	} {
		disk := testenv.Tmpfs(t, tc.options, tc.readOnly)
		c := testConsole(t, cfg, "", time.Now)
		c.show(gather(ctx, cfg, time.Now()), "backups")
		p := c.backups
		p.list.Select(0)
		p.restoreTo(p.snaps[0], p.parts(), func(string) string { return filepath.Join(disk, "Restored") })
		c.work.wait()
		says(t, "a restore onto "+tc.disk, p.status.Text, tc.want)
		plainWindow(t, c, "a restore onto "+tc.disk)
		filepath.WalkDir(disk, func(path string, d fs.DirEntry, err error) error {
			if err == nil && (d.Name() == "photo.bin" || strings.HasPrefix(d.Name(), ".hearth-restore-")) {
				t.Errorf("%s holds %s after the restore failed", tc.disk, path)
			}
			return nil
		})
	}
}

// TestBackupOntoAFullServerInPlainWords: Back up now, with no agent running (the window
// backs up itself), to a server whose only drive (a tmpfs of 4 MiB) fills with a backup
// of 16 MiB: Home says the server's own sentence for its 507.
func TestBackupOntoAFullServerInPlainWords(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedTo(t, apptest.StartOnDrive(t, testenv.Tmpfs(t, "size=4m", false)))
	photo(t, cfg, 16<<20)
	c := testConsole(t, cfg, "", time.Now)
	c.show(gather(ctx, cfg, time.Now()), "home")
	test.Tap(c.home.backUp)
	c.work.wait()
	_, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil)
	var se *backupclient.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusInsufficientStorage {
		t.Fatalf("the server answered %v, want 507 Insufficient Storage", err)
	}
	says(t, "Back up now onto a full server", c.home.result.Text, "The backup failed: "+se.Msg)
	plainWindow(t, c, "Back up now onto a full server")
}

// TestPagesFailuresInPlainWords drives Home, Backups (list and restore) and Settings
// with the server stopped in the middle of a backup (Back up now, no agent running, held
// by a gate), and then away, and reads every text of the window each time.
func TestPagesFailuresInPlainWords(t *testing.T) {
	ctx := context.Background()
	s, direct := joinedPC(t)
	if _, err := backupclient.BackupWith(ctx, direct, direct.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.URL)
	gate := testenv.NewGate(t, u.Host)
	gated := direct
	gated.Server = "https://" + gate.Addr
	photo(t, direct, 8<<20)
	// Two windows: one through the gate, for the backup stopped mid-way; one straight to
	// the server, which is then away (its address refuses), drawn while it answered.
	open := func(cfg connector.Config) *console {
		path := filepath.Join(t.TempDir(), "connector.json")
		if err := cfg.Save(path); err != nil {
			t.Fatal(err)
		}
		b, err := newBrowser(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := testConsole(t, cfg, path, time.Now)
		c.withFiles(b)
		c.show(gather(ctx, cfg, time.Now()), "home")
		c.work.wait()
		following(t, c)
		showing(t, c, "the server's health", func() bool { return c.online })
		return c
	}
	mid, away := open(gated), open(direct)

	gate.Hold(1 << 20)
	test.Tap(mid.home.backUp)
	done := make(chan struct{})
	go func() { mid.work.wait(); close(done) }() // the backup, on a goroutine of its own
	time.Sleep(time.Second)                      // the upload reaches the hold (not an assertion: a backup that ended is an error below)
	gate.Cut()
	s.Stop()
	gate.Release()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the backup never ended after the server stopped")
	}
	if !strings.HasPrefix(mid.home.result.Text, "The backup failed: ") {
		t.Errorf("Home after the server stopped mid-backup: %q", mid.home.result.Text)
	}
	for _, c := range []*console{mid, away} {
		showing(t, c, "the server gone", func() bool { return !c.online })
	}
	says(t, "Home, the server stopped mid-backup", mid.home.result.Text, "The backup failed: ")
	plainWindow(t, mid, "the server stopped mid-backup")

	// The server away: every page's action that needs it.
	c := away
	test.Tap(c.home.backUp)
	c.work.wait()
	says(t, "Back up now with the server away", c.home.result.Text, "The backup failed: "+words.Unreachable)
	c.open("backups")
	c.refreshBackups()
	c.work.wait()
	p := c.backups
	if len(p.snaps) != 1 {
		t.Fatalf("the Backups page lists %d backups, read while the server answered", len(p.snaps))
	}
	p.list.Select(0)
	p.restoreTo(p.snaps[0], p.parts(), func(string) string { return t.TempDir() })
	c.work.wait()
	says(t, "a restore with the server away", p.status.Text, words.Unreachable)
	c.settings.at.SetText("22:30")
	test.Tap(c.settings.save)
	says(t, "settings saved with the server away", c.settings.status.Text, "Saved.")
	plainWindow(t, c, "the server away")
	c.settings.leaveNow()
	c.work.wait()
	says(t, "leaving with the server away", c.settings.status.Text, "This PC has left the server.")
	plainWindow(t, c, "left with the server away")
}

// TestSetupPageFailuresInPlainWords: on Setup, an address that is no address and a server
// that does not answer are said in words, as everywhere else in the window.
func TestSetupPageFailuresInPlainWords(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	away := "https://" + l.Addr().String()
	l.Close() // nothing answers there now
	work := &background{held: true}
	p := newSetupPage(work, filepath.Join(t.TempDir(), "connector.json"), nil)
	test.NewTempApp(t)
	w := test.NewWindow(p.content())
	defer w.Close()
	for _, c := range []struct{ address, want string }{
		{"ftp://hearth.local", "not a server's name or address"},
		{away, words.Unreachable},
	} {
		p.address.SetText(c.address)
		test.Tap(p.connect)
		work.wait()
		if !strings.Contains(p.status.Text, c.want) {
			t.Errorf("Connect to %q says %q; want %q", c.address, p.status.Text, c.want)
		}
		if found := plainwords.Find(p.status.Text); len(found) > 0 {
			t.Errorf("Connect to %q says %q, which has %q", c.address, p.status.Text, found)
		}
	}
}
