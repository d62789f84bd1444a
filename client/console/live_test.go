package main

import (
	"context"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

// texts is every word a page shows, label by label.
func texts(o fyne.CanvasObject) []string {
	switch v := o.(type) {
	case *widget.Label:
		return []string{v.Text}
	case *widget.Button:
		return []string{v.Text}
	case *widget.Form:
		var out []string
		for _, it := range v.Items {
			out = append(out, it.Text)
			out = append(out, texts(it.Widget)...)
		}
		return out
	case *container.Scroll:
		return texts(v.Content)
	case *fyne.Container:
		var out []string
		for _, c := range v.Objects {
			out = append(out, texts(c)...)
		}
		return out
	}
	return nil
}

// pageText is the words of the console's page of that name, one line each.
func pageText(c *console, page string) string {
	for _, it := range c.tabs.Items {
		if strings.EqualFold(it.Text, page) {
			return strings.Join(texts(it.Content), "\n")
		}
	}
	return ""
}

// following starts the console's follower of the server's health stream, stopped with
// the test.
func following(t *testing.T, c *console) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c.followHealth(ctx)
}

// TestHomeFollowsTheServer: with the window open and no click, Home says in plain words
// when the server stops, and how the house is again once it is back; Health too.
func TestHomeFollowsTheServer(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	c := testConsole(t, cfg, "", time.Now)
	c.show(gather(ctx, cfg, time.Now()), "home")
	following(t, c)
	showing(t, c, "the server's health", func() bool { return c.online })
	if got := c.home.state.Text; got != "Everything is fine." {
		t.Errorf("Home with the server up: %q", got)
	}

	u, _ := url.Parse(s.URL)
	s.Stop()
	showing(t, c, "the server stopped", func() bool { return c.home.state.Text == sayStopped })
	if got := pageText(c, "health"); !strings.Contains(got, sayStopped) {
		t.Errorf("Health with the server stopped:\n%s", got)
	}

	s.Opt.HTTPSListen = u.Host // the same address, as a real server restarts
	s.Restart()
	showing(t, c, "the server back", func() bool { return c.online && c.home.state.Text == "Everything is fine." })
	if got := pageText(c, "health"); strings.Contains(got, "cannot be reached") {
		t.Errorf("Health with the server back:\n%s", got)
	}
}

// backUpAgain changes the home folder and backs it up, so the server holds one more
// backup of this PC.
func backUpAgain(t *testing.T, cfg connector.Config, n int) schema.Snapshot {
	t.Helper()
	if err := os.WriteFile(filepath.Join(cfg.Backup.Include[0], "note.txt"), []byte(strings.Repeat("x", n)), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := backupclient.BackupWith(context.Background(), cfg, cfg.Backup, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestBackupsFollowAPrune: a backup the server's cleanup let go leaves the Backups list
// when the page shows again; restoring one from a list read before the cleanup says so
// in a sentence and reads the list again.
func TestBackupsFollowAPrune(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	for i := range 2 {
		backUpAgain(t, cfg, i+1)
	}
	c := testConsole(t, cfg, "", time.Now)
	c.show(gather(ctx, cfg, time.Now()), "backups")
	c.work.wait()
	p := c.backups
	if len(p.snaps) != 2 {
		t.Fatalf("%d backups listed, want 2", len(p.snaps))
	}
	prune := func() {
		t.Helper()
		if err := s.Admin().BackupKeep(ctx, cfg.DeviceName, backup.Policy{Last: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Admin().BackupGC(ctx); err != nil { // the nightly cleanup, now
			t.Fatal(err)
		}
	}
	prune()

	// The list still shows the old one: restoring it says it is gone, and the list follows.
	old := p.snaps[1]
	p.list.Select(1)
	into := t.TempDir()
	p.restoreTo(old, []string{""}, func(string) string { return into })
	c.work.wait()
	if p.status.Text != sayGone {
		t.Errorf("restoring a pruned backup says %q", p.status.Text)
	}
	if len(p.snaps) != 1 || p.snaps[0].ID == old.ID {
		t.Errorf("after the failed restore the list holds %d backups", len(p.snaps))
	}

	// A new backup, then a cleanup: showing the page again drops the one let go.
	newest := backUpAgain(t, cfg, 3)
	c.open("home")
	c.open("backups")
	c.work.wait()
	if len(p.snaps) != 2 {
		t.Fatalf("%d backups listed after the new one, want 2", len(p.snaps))
	}
	prune()
	c.open("home")
	c.open("backups")
	c.work.wait()
	if len(p.snaps) != 1 || p.snaps[0].ID != newest.ID {
		t.Errorf("after the cleanup the list holds %d backups (%+v), want only the newest", len(p.snaps), p.snaps)
	}
}

// TestHomeAndHealthAgree: right after the first backup, the server's health already
// tells of it (no "never backed up"), though the PC's own report still says it never
// did; Home and Health both show the backup just made, from one fact, and an older
// backup heard of later does not replace it.
func TestHomeAndHealthAgree(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	if err := cfg.ReportHealth(ctx, cfg.DeviceName, schema.PCReport{OS: "linux", Checks: []schema.Check{
		{ID: "backup", Area: "backup", State: schema.Warning, Title: "Backup", Sentence: "This PC has never been backed up."},
	}}); err != nil {
		t.Fatal(err)
	}
	first := backUpAgain(t, cfg, 1)
	c := testConsole(t, cfg, "", time.Now)
	f := gather(ctx, cfg, time.Now())
	if f.health == nil || len(f.health.Alerts) != 0 || len(f.health.PCs) != 1 || f.health.PCs[0].LastBackup == nil ||
		!f.health.PCs[0].LastBackup.Equal(first.Time) {
		t.Fatalf("the server's health should tell of the backup just made: %+v", f.health)
	}
	c.show(f, "home")
	following(t, c)
	showing(t, c, "the server's health", func() bool { return c.online })
	last := lastWords(time.Now(), c.last)
	if !strings.HasPrefix(last, "Last backup: today") {
		t.Fatalf("Home: %q", last)
	}
	home, health := pageText(c, "home"), pageText(c, "health")
	for page, text := range map[string]string{"Home": home, "Health": health} {
		if strings.Contains(strings.ToLower(text), "never") {
			t.Errorf("%s says never backed up:\n%s", page, text)
		}
		if !strings.Contains(text, last) {
			t.Errorf("%s does not say %q:\n%s", page, last, text)
		}
	}
	if !strings.Contains(home, "Everything is fine.") || !strings.Contains(health, "Everything is fine.") {
		t.Errorf("the summaries differ or count the stale alert:\nHome:\n%s\nHealth:\n%s", home, health)
	}

	// A newer backup is news; the older one, heard again, is not.
	second := backUpAgain(t, cfg, 2)
	c.refreshBackups()
	c.work.wait()
	if c.last.ID != second.ID {
		t.Errorf("after a second backup Home shows %s", c.last.ID)
	}
	older := f
	older.last = &first
	c.show(older, "home")
	if c.last.ID != second.ID || !strings.Contains(pageText(c, "home"), lastWords(time.Now(), &second)) {
		t.Errorf("an older backup replaced the newer on Home: %s", c.home.last.Text)
	}
}

// TestHomeFollowsADelete: a backup deleted on the server leaves Home, Health and the
// Backups list while the window is open, with no click: the server's health stream
// tells of the change, and the console reads the list again. With none left, Home says
// so.
func TestHomeFollowsADelete(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	first := backUpAgain(t, cfg, 1)
	second := backUpAgain(t, cfg, 22)
	c := testConsole(t, cfg, "", time.Now)
	c.show(gather(ctx, cfg, time.Now()), "home")
	c.online = false // until the stream speaks: its first word reads the list again
	following(t, c)
	showing(t, c, "the server's health stream", func() bool { return c.online })
	c.work.wait() // that list read, before any delete
	if c.last == nil || c.last.ID != second.ID {
		t.Fatalf("Home shows %+v, want the second backup", c.last)
	}
	for _, step := range []struct {
		what string
		del  schema.Snapshot
		want *schema.Snapshot // the last backup after it
	}{
		{"the newest deleted", second, &first},
		{"the only one left deleted", first, nil},
	} {
		if _, err := s.Admin().BackupDelete(ctx, cfg.DeviceName, step.del.ID); err != nil {
			t.Fatal(err)
		}
		showing(t, c, step.what, func() bool {
			c.work.wait() // the list read again
			return c.last == nil && step.want == nil || c.last != nil && step.want != nil && c.last.ID == step.want.ID
		})
		if got, want := c.home.last.Text, lastWords(c.now(), step.want); got != want {
			t.Errorf("%s: Home says %q, want %q", step.what, got, want)
		}
		gone := lastWords(c.now(), &step.del)
		if health := pageText(c, "health"); strings.Contains(health, gone) {
			t.Errorf("%s: Health still says %q:\n%s", step.what, gone, health)
		}
		for _, sn := range c.backups.snaps {
			if sn.ID == step.del.ID {
				t.Errorf("%s: the Backups list still holds it", step.what)
			}
		}
	}
	if got := c.home.last.Text; got != "Never backed up yet." {
		t.Errorf("with no backup left Home says %q", got)
	}
}

// decimalUnit finds a size written in decimal units: Hearth writes sizes in binary
// units only (human.Bytes), so no page shows "GB" beside "GiB".
var decimalUnit = regexp.MustCompile(`\b\d+(\.\d+)? ?(kB|KB|MB|GB|TB|PB)\b`)

// TestOneUnitSystem: every page of the console, drawn from a real server after a backup
// with files of some size, writes its sizes in one unit system.
func TestOneUnitSystem(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	if err := os.WriteFile(filepath.Join(cfg.Backup.Include[0], "photo.jpg"), make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, err := newBrowser(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := testConsole(t, cfg, "", time.Now)
	c.withFiles(b)
	c.files.b.dir = path.Join("Backups", cfg.DeviceName)
	c.show(gather(ctx, cfg, time.Now()), "home")
	c.work.wait()
	var all []string
	for _, page := range []string{"home", "health", "files", "backups"} {
		c.open(page)
		c.work.wait()
		all = append(all, pageText(c, page))
	}
	for i := range c.backups.snaps { // the list's rows are drawn as they scroll in
		o := c.backups.list.CreateItem()
		c.backups.list.UpdateItem(i, o)
		all = append(all, texts(o)...)
	}
	text := strings.Join(all, "\n")
	if bad := decimalUnit.FindAllString(text, -1); bad != nil {
		t.Errorf("sizes in decimal units %q beside binary ones:\n%s", bad, text)
	}
	if !strings.Contains(text, "MiB") || !strings.Contains(text, "GiB") {
		t.Errorf("no sizes found to check:\n%s", text)
	}
}
