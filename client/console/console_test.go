package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// joinedPC is a PC joined to a real in-process server, backing up a small home folder.
func joinedPC(t *testing.T) (*apptest.Server, connector.Config) {
	t.Helper()
	return joinedTo(t, apptest.Start(t))
}

// joinedTo is joinedPC with the server given (one on a small drive, say).
func joinedTo(t *testing.T, s *apptest.Server) (*apptest.Server, connector.Config) {
	t.Helper()
	ctx := context.Background()
	s.AddUser("mum", "correct horse", false)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, "mum", "correct horse", "Laptop")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Backup.Include, cfg.Backup.At = []string{home}, "03:00"
	return s, cfg
}

// testConsole is a console in fyne's test app, its work held until the test waits.
func testConsole(t *testing.T, cfg connector.Config, configPath string, now func() time.Time) *console {
	c := newConsole(test.NewTempApp(t), cfg, configPath, now)
	c.work.held = true
	return c
}

// steady replaces what differs from run to run (the address, clocks, disk sizes, what
// this machine's disk says of itself) so a page can be compared with its golden image.
func steady(f facts) facts {
	f.server = "https://hearth-1a2b3c4d.local:8443"
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.Local)
	f.next = day.Add(27 * time.Hour)
	f.snapshots = append([]schema.Snapshot(nil), f.snapshots...)
	for i := range f.snapshots {
		f.snapshots[i].Time, f.snapshots[i].Bytes, f.snapshots[i].Added = day.Add(9*time.Hour+30*time.Minute), 12, 900
	}
	if f.last != nil {
		l := *f.last
		l.Time, l.Bytes = day.Add(9*time.Hour+30*time.Minute), 12
		f.last = &l
	}
	if f.health != nil {
		h := *f.health
		h.Drives = append([]schema.DriveInfo(nil), h.Drives...)
		for i := range h.Drives {
			h.Drives[i].Total, h.Drives[i].Free, h.Drives[i].SMART = 4<<40, 3<<40, "The drive reports no problem."
			h.Drives[i].State = schema.Good
		}
		h.PCs = append([]schema.PCHealth(nil), h.PCs...)
		for i := range h.PCs {
			h.PCs[i].Checks = append([]schema.Check(nil), h.PCs[i].Checks...)
			for j := range h.PCs[i].Checks {
				if h.PCs[i].Checks[j].ID == "backup" {
					h.PCs[i].Checks[j].Sentence = "Backed up today at 09:30."
				}
			}
		}
		f.health = &h
	}
	return f
}

// TestPages: the Home and Health pages, drawn from a real server where this PC backed
// up and reported its firewall off, match their golden images.
func TestPages(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	if err := cfg.ReportHealth(ctx, "Laptop", schema.PCReport{OS: "linux", Checks: []schema.Check{
		{ID: "firewall", Area: "network", State: schema.Warning, Title: "Firewall", Sentence: "The firewall (ufw) is off. Turn it on with 'sudo ufw enable'."},
		{ID: "disk:/", Area: "storage", State: schema.Good, Title: "Disk /", Sentence: "Disk / has 80 GB free of 250 GB (32%)."},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin().Health(ctx, true); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.Local)
	// No agent runs for this PC: Home says the nightly backup will not run.
	c := testConsole(t, cfg, filepath.Join(t.TempDir(), "connector.json"), func() time.Time { return now })
	followed(t, c, func() bool { return c.agent.known })
	b, err := newBrowser(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.open("Public")
	photo := filepath.Join(t.TempDir(), "beach.jpg")
	os.WriteFile(photo, make([]byte, 1536<<10), 0o644)
	if err := errors.Join(b.mkdir(ctx, "Holiday"), b.upload(ctx, photo, nil)); err != nil {
		t.Fatal(err)
	}
	c.withFiles(b)
	f := gather(ctx, cfg, now)
	if f.err != nil || f.health == nil {
		t.Fatalf("facts from the server: %+v", f)
	}
	if len(f.health.Alerts) != 1 || f.last == nil { // the firewall
		t.Fatalf("alerts: %+v", f.health.Alerts)
	}
	// Settings shows this machine's home folder among what is left out: no golden image.
	for _, page := range []string{"home", "health", "files", "backups"} {
		c.show(steady(f), page)
		c.work.wait()
		c.win.Resize(fyne.NewSize(640, 520))
		test.AssertImageMatches(t, page+".png", c.win.Canvas().Capture())
		keep(t, page+".png", c.win.Canvas())
	}
}

// followed lets the console follow the agent until it shows what done says.
func followed(t *testing.T, c *console, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c.followAgent(ctx)
	showing(t, c, "the agent's state", done)
}

// showing waits until the console, showing what its followers heard, shows what.
func showing(t *testing.T, c *console, what string, done func() bool) {
	t.Helper()
	pooltest.Eventually(t, 30*time.Second, what, func() bool {
		c.work.show()
		return done()
	})
}

// TestBackUpNow: the Home page's button backs this PC up to the real server and says so.
func TestBackUpNow(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	c := testConsole(t, cfg, "", time.Now)
	c.show(gather(ctx, cfg, time.Now()), "home")
	test.Tap(c.home.backUp)
	c.work.wait()
	if text := c.home.result.Text; !regexp.MustCompile(`^Backed up 1 file; [0-9.]+ [KMG]?i?B was new\.$`).MatchString(text) {
		t.Errorf("after Back up now: %q", text)
	}
	if f := gather(ctx, cfg, time.Now()); f.last == nil || f.last.Files != 1 {
		t.Errorf("the server has no such backup: %+v", f.last)
	}
}

// filesOf shows the Files page of a console for the PC that joined as cfg.
func filesOf(t *testing.T, cfg connector.Config) *console {
	t.Helper()
	b, err := newBrowser(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := testConsole(t, cfg, "", time.Now)
	c.withFiles(b)
	c.show(gather(context.Background(), cfg, time.Now()), "files")
	c.work.wait()
	return c
}

// find is the place of the entry of that name in the Files page.
func find(t *testing.T, p *filesPage, name string) int {
	t.Helper()
	for i, e := range p.entries {
		if e.name == name {
			return i
		}
	}
	t.Fatalf("no %s among %v", name, names(p.entries))
	return -1
}

// TestFilesPageNavigates: choosing a folder only chooses it; opening it (a double click
// or Open) goes in; Up comes back; in a share the user may only read, the changing
// buttons are off and the page says why.
func TestFilesPageNavigates(t *testing.T) {
	_, cfg := joinedPC(t)
	c := filesOf(t, cfg)
	p := c.files
	p.list.Select(find(t, p, "Software"))
	if p.where.Text != "Shares" || p.open.Disabled() || !p.download.Disabled() {
		t.Errorf("a chosen share: at %q, open disabled %v, download disabled %v", p.where.Text, p.open.Disabled(), p.download.Disabled())
	}
	test.Tap(p.open)
	c.work.wait()
	if p.where.Text != "Shares / Software" || !p.changes[0].Disabled() || !strings.Contains(p.status.Text, "not change") {
		t.Errorf("in Software: %q, upload disabled %v, %q", p.where.Text, p.changes[0].Disabled(), p.status.Text)
	}
	test.Tap(p.up)
	c.work.wait()
	// A row as the list makes them; the desktop test double-clicks one the list drew.
	r := newRow(p.list.Select, p.openEntry)
	r.show(find(t, p, "Public"), p.entries[find(t, p, "Public")])
	test.DoubleTap(r)
	c.work.wait()
	if p.where.Text != "Shares / Public" || p.changes[0].Disabled() {
		t.Errorf("in Public: %q, upload disabled %v", p.where.Text, p.changes[0].Disabled())
	}
}

// TestFilesPageChanges: in a share the user may change, a folder is made, renamed and
// deleted with what is in it; a file opens as a copy in its application; each step is
// what the server's drive then holds.
func TestFilesPageChanges(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	c := filesOf(t, cfg)
	p := c.files
	p.openEntry(find(t, p, "Public"))
	c.work.wait()
	p.mkdir("Holiday")
	c.work.wait()
	p.list.Select(find(t, p, "Holiday"))
	p.rename("Holiday", "Summer 2026")
	c.work.wait()
	if got := names(p.entries); len(got) != 1 || got[0] != "Summer 2026" || !p.entries[0].dir {
		t.Fatalf("after making and renaming a folder, Public shows %v (%s)", got, p.status.Text)
	}
	p.openEntry(find(t, p, "Summer 2026"))
	c.work.wait()
	photo := filepath.Join(t.TempDir(), "beach.jpg")
	if err := os.WriteFile(photo, []byte("sand and sea"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.uploadFiles([]string{photo})
	c.work.wait()
	var opened string
	p.launch = func(path string) error { opened = path; return nil }
	p.openEntry(find(t, p, "beach.jpg"))
	c.work.wait()
	if got, err := os.ReadFile(opened); err != nil || string(got) != "sand and sea" {
		t.Errorf("opening beach.jpg gave %q %v (%s)", got, err, p.status.Text)
	}
	// Read-only, so an application asks to save changes elsewhere rather than into a
	// cache that is emptied.
	if st, err := os.Stat(opened); err != nil || st.Mode().Perm()&0o222 != 0 {
		t.Errorf("the opened copy may be written: %v %v", st.Mode(), err)
	}
	test.Tap(p.up)
	c.work.wait()
	p.list.Select(find(t, p, "Summer 2026"))
	p.remove("Summer 2026")
	c.work.wait()
	if len(p.entries) != 0 || !strings.HasPrefix(p.status.Text, "This folder is empty") {
		t.Errorf("after deleting the folder, Public shows %v (%s)", names(p.entries), p.status.Text)
	}
	b, err := newBrowser(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.open("Public")
	if es, err := b.list(ctx); err != nil || len(es) != 0 {
		t.Errorf("the server's Public holds %v %v", names(es), err)
	}
}

// TestBackupsPage: a backup of this PC is listed, browsed in the Files page as the server's
// drive shows it, and one file of it is brought back to a chosen folder.
func TestBackupsPage(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	if _, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, err := newBrowser(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c := testConsole(t, cfg, "", time.Now)
	c.withFiles(b)
	c.show(gather(ctx, cfg, time.Now()), "backups")
	p := c.backups
	if len(p.snaps) != 1 {
		t.Fatalf("%d backups listed", len(p.snaps))
	}
	p.list.Select(0)
	test.Tap(p.browse)
	c.work.wait()
	root := c.files.b.dir
	// Walk down the backup to the letter, as a person would: into the one folder there is.
	has := func(name string) bool {
		for _, e := range c.files.entries {
			if e.name == name {
				return true
			}
		}
		return false
	}
	for depth := 0; !has("letter.txt"); depth++ {
		if depth > 20 || len(c.files.entries) != 1 || !c.files.entries[0].dir {
			t.Fatalf("the backup in Files shows %v under %s", names(c.files.entries), c.files.b.dir)
		}
		c.files.openEntry(0)
		c.work.wait()
	}
	sub := strings.TrimPrefix(c.files.b.dir, root+"/") + "/letter.txt"
	to := t.TempDir()
	p.picker.set(sub, true)
	into := func(string) string { return to }
	p.restoreTo(p.snaps[0], p.parts(), into)
	c.work.wait()
	if got, err := os.ReadFile(filepath.Join(to, "letter.txt")); err != nil || string(got) != "Dear Grandma" {
		t.Errorf("restored letter: %q %v (%s)", got, err, p.status.Text)
	}
	// Again, over a letter changed since: the restore asks, and does what it is told.
	os.WriteFile(filepath.Join(to, "letter.txt"), []byte("Dear Grandma, again"), 0o644)
	for _, tc := range []struct {
		choice     restorer.Choice
		want, says string
	}{
		{restorer.Skip, "Dear Grandma, again", "1 file already there left as they were."},
		{restorer.KeepBoth, "Dear Grandma, again", "1 file kept beside what was there"},
		{restorer.Replace, "Dear Grandma", "Restored 1 file"},
	} {
		var asked []string
		p.ask = func(path string) (restorer.Choice, bool) { asked = append(asked, path); return tc.choice, false }
		p.restoreTo(p.snaps[0], p.parts(), into)
		c.work.wait()
		got, _ := os.ReadFile(filepath.Join(to, "letter.txt"))
		if len(asked) != 1 || asked[0] != filepath.Join(to, "letter.txt") || string(got) != tc.want || !strings.Contains(p.status.Text, tc.says) {
			t.Errorf("choice %d: asked %v; letter %q; status %q", tc.choice, asked, got, p.status.Text)
		}
	}
	if got, _ := os.ReadFile(filepath.Join(to, "letter (restored).txt")); string(got) != "Dear Grandma" {
		t.Errorf("the letter kept beside: %q", got)
	}
}

// TestConflictDialog: the question about a file in the way answers with the button
// chosen, and for all when ticked.
func TestConflictDialog(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(widget.NewLabel(""))
	defer w.Close()
	w.Resize(fyne.NewSize(640, 400))
	for _, tc := range []struct {
		button string
		forAll bool
		want   restorer.Choice
	}{{"Replace it", false, restorer.Replace}, {"Keep both", true, restorer.KeepBoth}, {"Skip it", false, restorer.Skip}} {
		var got []conflictAnswer
		d := conflictDialog(w, "/home/mum/letter.txt", func(a conflictAnswer) { got = append(got, a) })
		var texts []string
		if tc.forAll {
			keep(t, "restore-conflict.png", w.Canvas())
		}
		tapIn(t, w.Canvas().Overlays().Top(), tc.button, tc.forAll, &texts)
		if len(got) != 1 || got[0] != (conflictAnswer{tc.want, tc.forAll}) {
			t.Errorf("%s (for all %v): %v", tc.button, tc.forAll, got)
		}
		if !strings.Contains(strings.Join(texts, " "), "“letter.txt” is already in /home/mum") {
			t.Errorf("the question reads %q", texts)
		}
		d.Hide()
	}
}

// tapIn ticks the dialog's check when forAll, taps the button with that text, and
// gathers the labels' texts.
func tapIn(t *testing.T, o fyne.CanvasObject, button string, forAll bool, texts *[]string) {
	t.Helper()
	var tap *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Button:
			if w.Text == button {
				tap = w
			}
		case *widget.Check:
			if forAll {
				w.SetChecked(true)
			}
		case *widget.Label:
			*texts = append(*texts, w.Text)
		case fyne.Widget:
			r := test.WidgetRenderer(w)
			for _, c := range r.Objects() {
				walk(c)
			}
			return
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, k := range c.Objects {
				walk(k)
			}
		}
	}
	walk(o)
	if tap == nil {
		t.Fatalf("no button %q in the dialog", button)
	}
	test.Tap(tap)
}

// TestSettingsPage: settings are checked and saved where the agent reads them; leaving
// removes this PC from the server and forgets it here.
func TestSettingsPage(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	path := filepath.Join(t.TempDir(), "connector.json")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	c := testConsole(t, cfg, path, time.Now)
	c.show(gather(ctx, cfg, time.Now()), "settings")
	p := c.settings
	p.at.SetText("25:99")
	test.Tap(p.save)
	if saved, _ := connector.Load(path); !strings.HasPrefix(p.status.Text, "Not saved") || saved.Backup.At != "03:00" {
		t.Errorf("an impossible time: %q, saved %q", p.status.Text, saved.Backup.At)
	}
	p.at.SetText("22:30")
	p.include.SetText("/home/mum/Pictures\n\n/home/mum/Documents\n")
	p.exclude.SetText("*.iso")
	test.Tap(p.save)
	saved, err := connector.Load(path)
	if err != nil || saved.Backup.At != "22:30" || strings.Join(saved.Backup.Include, ",") != "/home/mum/Pictures,/home/mum/Documents" ||
		strings.Join(saved.Backup.Exclude, ",") != "*.iso" || saved.Token != cfg.Token {
		t.Errorf("saved %+v %v (%s)", saved.Backup, err, p.status.Text)
	}
	p.leaveNow()
	c.work.wait()
	if _, err := connector.Load(path); !errors.Is(err, connector.ErrNotJoined) {
		t.Errorf("after leaving, the settings are still there: %v", err)
	}
	if ds, _ := s.Admin().Devices(ctx); len(ds) != 0 {
		t.Errorf("after leaving, the server still has %+v", ds)
	}
	if c.files != nil || c.win.Content() == fyne.CanvasObject(c.tabs) {
		t.Error("after leaving, the window still shows the server's pages instead of Setup")
	}
}

// TestSetupPage: on a PC that has not joined, the window connects to a real server,
// shows its authority's fingerprint to compare, refuses a wrong password, and joins with
// the right one, saving the configuration.
func TestSetupPage(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("dad", "correct horse", false)
	path := filepath.Join(t.TempDir(), "connector.json")
	var joined *connector.Config
	work := &background{held: true}
	p := newSetupPage(work, path, func(cfg connector.Config) { joined = &cfg })
	test.NewTempApp(t)
	w := test.NewWindow(p.content())
	defer w.Close()
	p.address.SetText(s.URL)
	test.Tap(p.connect)
	work.wait()
	info, _ := s.Admin().Server(ctx)
	if !strings.Contains(p.finger.Text, info.CAFingerprint) {
		t.Fatalf("the fingerprint shown: %q (%s)", p.finger.Text, p.status.Text)
	}
	if !p.join.Disabled() {
		t.Error("Join is offered before the fingerprint was confirmed")
	}
	test.Tap(p.matches)
	p.user.SetText("dad")
	p.password.SetText("wrong password")
	p.name.SetText("Den PC")
	test.Tap(p.join)
	work.wait()
	if p.status.Text != "The user name or password is wrong." {
		t.Errorf("after a wrong password: %q", p.status.Text)
	}
	p.password.SetText("correct horse")
	test.Tap(p.join)
	work.wait()
	if !strings.HasPrefix(p.status.Text, "This PC has joined") {
		t.Errorf("after the right password: %q", p.status.Text)
	}
	saved, err := connector.Load(path)
	if err != nil || joined == nil || saved.Token != joined.Token || saved.DeviceName != "Den PC" || saved.User != "dad" {
		t.Fatalf("saved %+v %v", saved, err)
	}
	if me, err := saved.Me(ctx); err != nil || me.Name != "dad" {
		t.Errorf("the new device's token: %+v %v", me, err)
	}
}

// TestFilesPageShowsOnlyTheNewestListing: of two listings under way, only the newest is
// shown. An older one shown first would let a file be chosen that the newer listing no
// longer has (here, deleted from another PC), leaving the choice pointing past the end.
func TestFilesPageShowsOnlyTheNewestListing(t *testing.T) {
	s, cfg := joinedPC(t)
	c := filesOf(t, cfg)
	p := c.files
	p.openEntry(find(t, p, "Public"))
	c.work.wait()
	for _, name := range []string{"a", "b", "c"} {
		p.mkdir(name)
		c.work.wait()
	}
	p.refresh()
	p.refresh()
	older := c.work.pending[0]
	c.work.pending = c.work.pending[1:]
	older()
	for i, e := range p.entries {
		if e.name == "c" {
			p.list.Select(i)
		}
	}
	if r, msg := s.Do("mum", "correct horse", "DELETE", "/dav/Public/c", nil); r.StatusCode != 204 {
		t.Fatalf("delete from another PC: %s %s", r.Status, msg)
	}
	c.work.wait() // the newer listing
	if got := names(p.entries); strings.Join(got, ",") != "a,b" || p.selected != -1 || !p.open.Disabled() {
		t.Errorf("after c was deleted, the page shows %v with entry %d chosen", got, p.selected)
	}
}

// TestFilesPageWillNotStartPrograms: a program on a share is not started by opening it.
func TestFilesPageWillNotStartPrograms(t *testing.T) {
	s, cfg := joinedPC(t)
	if r, msg := s.Do("mum", "correct horse", "PUT", "/dav/Public/setup.exe", apptest.Body("MZ")); r.StatusCode != 201 {
		t.Fatalf("upload: %s %s", r.Status, msg)
	}
	c := filesOf(t, cfg)
	p := c.files
	p.openEntry(find(t, p, "Public"))
	c.work.wait()
	p.launch = func(path string) error { t.Errorf("%s was started", path); return nil }
	p.openEntry(find(t, p, "setup.exe"))
	c.work.wait()
	if !strings.Contains(p.status.Text, "does not start programs") {
		t.Errorf("opening setup.exe: %q", p.status.Text)
	}
}

// TestSetupPageJoinCode: with a join code nothing else is asked: a mistyped code and
// another server are refused in words before the code is sent, and the right server
// joins this PC as the code's user.
func TestSetupPageJoinCode(t *testing.T) {
	s, other := apptest.Start(t), apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	resp, body := s.Do("mum", "correct horse", "POST", "/api/v1/joincodes", nil)
	var jc struct{ Code string }
	if err := json.Unmarshal([]byte(body), &jc); err != nil || resp.StatusCode != 201 {
		t.Fatalf("a join code: %d %s", resp.StatusCode, body)
	}
	path := filepath.Join(t.TempDir(), "connector.json")
	var joined *connector.Config
	work := &background{held: true}
	p := newSetupPage(work, path, func(cfg connector.Config) { joined = &cfg })
	test.NewTempApp(t)
	w := test.NewWindow(p.content())
	defer w.Close()
	w.Resize(fyne.NewSize(640, 520))
	p.name.SetText("Kitchen PC")
	for _, tc := range []struct{ code, address, want string }{
		{"7K2QD-M9XWA", s.URL, "That is not a join code."},
		{jc.Code, other.URL, "is not the one that made this code, so the code was not sent."},
		{strings.ToLower(jc.Code), s.URL, "This PC has joined " + s.URL + " as mum."},
	} {
		test.Type(p.code, tc.code)
		p.address.SetText(tc.address)
		test.Tap(p.codeJoin)
		work.wait()
		if !strings.Contains(p.status.Text, tc.want) {
			t.Errorf("code %q at %s: %q, want %q", tc.code, tc.address, p.status.Text, tc.want)
		}
		p.code.SetText("")
	}
	saved, err := connector.Load(path)
	if err != nil || joined == nil || saved.User != "mum" || saved.DeviceName != "Kitchen PC" {
		t.Fatalf("saved %+v %v", saved, err)
	}
	if me, err := saved.Me(context.Background()); err != nil || me.Name != "mum" {
		t.Errorf("the new device's token: %+v %v", me, err)
	}
}
