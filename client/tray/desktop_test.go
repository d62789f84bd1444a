package main

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// desktop is a private X display with a StatusNotifier tray and its own D-Bus session.
type desktop struct {
	t   *testing.T
	env []string
}

// startDesktop starts Xvfb, a session bus and gtk-sni-tray-standalone, stopped at the end
// of the test.
func startDesktop(t *testing.T) *desktop {
	for _, tool := range []string{"Xvfb", "dbus-daemon", "dbus-send", "gtk-sni-tray-standalone", "import"} {
		testenv.NeedTool(t, tool)
	}
	d := &desktop{t: t}
	bus := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	addr := d.startReading(bus, "the session bus")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	display, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb gave no display: %v", err)
	}
	d.env = append(os.Environ(), "DISPLAY=:"+strings.TrimSpace(display), "DBUS_SESSION_BUS_ADDRESS="+addr, "NO_AT_BRIDGE=1")
	// The host starts its own watcher and then asks it, and now and then asks too soon
	// and exits; start it again then.
	var hostLog lockedBuffer
	for attempt := 0; ; attempt++ {
		host := exec.Command("gtk-sni-tray-standalone", "--watcher", "--bottom")
		host.Stdout, host.Stderr, host.Env = &hostLog, &hostLog, d.env
		if err := host.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { host.Wait(); close(exited) }()
		t.Cleanup(func() { host.Process.Kill(); <-exited })
		if d.hostUp(exited) {
			return d
		}
		if attempt == 2 {
			t.Fatalf("the tray host did not come up; its output:\n%s", hostLog.String())
		}
	}
}

// hostUp waits until the tray host is there to register with (an icon that comes
// before it falls back to the old X tray, which this host does not show), or it exited.
func (d *desktop) hostUp(exited <-chan struct{}) bool {
	deadline := time.After(60 * time.Second)
	for {
		out, err := d.dbus("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties.Get",
			"string:org.kde.StatusNotifierWatcher", "string:IsStatusNotifierHostRegistered")
		if err == nil && strings.Contains(out, "boolean true") {
			return true
		}
		select {
		case <-exited:
			return false
		case <-deadline:
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// lockedBuffer collects a program's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startReading starts cmd and returns the first line it prints.
func (d *desktop) startReading(cmd *exec.Cmd, what string) string {
	out, err := cmd.StdoutPipe()
	if err != nil {
		d.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		d.t.Fatalf("start %s: %v", what, err)
	}
	d.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		d.t.Fatalf("%s said nothing: %v", what, err)
	}
	return strings.TrimSpace(line)
}

func (d *desktop) start(cmd *exec.Cmd) *exec.Cmd {
	cmd.Env = append(d.env, cmd.Env...)
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// dbus calls a method on the session bus and returns dbus-send's printout.
func (d *desktop) dbus(dest, path, method string, args ...string) (string, error) {
	cmd := exec.Command("dbus-send", append([]string{"--session", "--print-reply", "--dest=" + dest, path, method}, args...)...)
	cmd.Env = d.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// item is the bus name of the one tray icon registered, "" while there is none.
func (d *desktop) item() string {
	out, err := d.dbus("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties.Get",
		"string:org.kde.StatusNotifierWatcher", "string:RegisteredStatusNotifierItems")
	if err != nil {
		return ""
	}
	m := regexp.MustCompile(`string "(:[0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

// menuItem is one entry of a tray icon's menu, as the tray host sees it over D-Bus.
type menuItem struct {
	id      int
	label   string
	visible bool
}

// menuPath is where getlantern/systray's ayatana indicator serves its menu.
const menuPath = "/org/ayatana/NotificationItem/systray/Menu"

// menu reads the icon's menu through com.canonical.dbusmenu, as a tray host does.
func (d *desktop) menu(item string) []menuItem {
	out, err := d.dbus(item, menuPath, "com.canonical.dbusmenu.GetLayout", "int32:0", "int32:-1", "array:string:")
	if err != nil {
		return nil
	}
	var items []menuItem
	lines := strings.Split(out, "\n")
	num := regexp.MustCompile(`^\s*int32 (\d+)$`)
	for i, l := range lines {
		if m := num.FindStringSubmatch(l); m != nil {
			id, _ := strconv.Atoi(m[1])
			items = append(items, menuItem{id: id, visible: true})
			continue
		}
		if len(items) == 0 || i+1 >= len(lines) {
			continue
		}
		next := strings.TrimSpace(lines[i+1])
		switch strings.TrimSpace(l) {
		case `string "label"`:
			items[len(items)-1].label, _ = strconv.Unquote(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(next, "variant")), "string")))
		case `string "visible"`:
			items[len(items)-1].visible = !strings.HasSuffix(next, "false")
		}
	}
	return items
}

// click delivers a click on a menu entry, as the tray host does: without waiting for a
// reply, which a program that quits on the click may never send.
func (d *desktop) click(item string, id int) error {
	cmd := exec.Command("dbus-send", "--session", "--type=method_call", "--dest="+item, menuPath, "com.canonical.dbusmenu.Event",
		"int32:"+strconv.Itoa(id), "string:clicked", "variant:int32:0", "uint32:0")
	cmd.Env = d.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

// screenshot saves the screen under the test's artifacts and returns it.
func (d *desktop) screenshot(name string) image.Image {
	path := filepath.Join(d.t.ArtifactDir(), name)
	if out, err := d.command("import", "-window", "root", path).CombinedOutput(); err != nil {
		d.t.Fatalf("screenshot: %v %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		d.t.Fatal(err)
	}
	return img
}

// showsColour waits until the screen shows the house in colour rgb: the tray host
// repaints a moment after the icon changes. The last screenshot is kept as name.
func (d *desktop) showsColour(name, colour string, rgb uint32) {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := pixelsOf(d.screenshot(name), rgb)
		if n >= 30 {
			return
		}
		if time.Now().After(deadline) {
			d.t.Errorf("the screen has %d %s pixels; the house is not %s", n, colour, colour)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// showsWindow waits for a window of that title and keeps a screenshot of the screen.
func (d *desktop) showsWindow(title, name string) {
	d.t.Helper()
	d.window(title)
	time.Sleep(500 * time.Millisecond) // its first frame
	d.screenshot(name)
}

// rss is a process's resident memory, as /proc says it ("" when it cannot tell).
func rss(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// consolePID finds the console the tray started from dir.
func consolePID(dir string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && exe == filepath.Join(dir, "hearth-console") {
			return pid
		}
	}
	return 0
}

// pixelsOf counts the screen's pixels of exactly the colour rgb.
func pixelsOf(img image.Image, rgb uint32) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8<<16|g>>8<<8|bl>>8 == rgb {
				n++
			}
		}
	}
	return n
}

func labels(items []menuItem) string {
	var out []string
	for _, it := range items {
		if it.visible && it.label != "" {
			out = append(out, fmt.Sprintf("%d:%s", it.id, it.label))
		}
	}
	return strings.Join(out, " | ")
}

// TestTrayOnADesktop runs the real tray program on a virtual desktop against a real
// server. Its icon shows in the tray; it notices the PC join; it turns green with
// "Everything is fine", and yellow when a PC's firewall goes off, the status line
// counting the problems and each named once below it. Back up now shows when the last
// backup was and that it finished. Health…, clicked over D-Bus as a tray host does,
// opens the console; Open shared folders, where no file manager can, opens the
// console's Files page, which lists the server's shares and, on a double click, the
// files in one. The tray notices the PC leave; Manage the server, which a plain user's
// menu lacks, shows once the PC joins as an administrator's and opens the server's
// sign-in page in the browser. Quit ends it.
func TestTrayOnADesktop(t *testing.T) {
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
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Backup.Include = []string{home}
	config := filepath.Join(t.TempDir(), "connector.json")
	s.Do("mum", "correct horse", "MKCOL", "/dav/Public/Holiday", nil)
	if r, msg := s.Do("mum", "correct horse", "PUT", "/dav/Public/beach.jpg", apptest.Body("sand and sea")); r.StatusCode != 201 {
		t.Fatalf("upload: %s %s", r.Status, msg)
	}
	bin := filepath.Join(t.TempDir(), "hearth-tray")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	for pkg, out := range map[string]string{".": bin, "../console": filepath.Join(filepath.Dir(bin), "hearth-console")} {
		if msg, err := exec.Command(goTool, "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, msg)
		}
	}
	// This desktop has no file manager that knows davs://: its xdg-open fails as a real
	// one does then (status 3, "a required tool could not be found"). Its browser
	// opens https:// addresses, which it notes in opened.
	opener := t.TempDir()
	opened := filepath.Join(opener, "opened")
	script := "#!/bin/sh\ncase \"$1\" in\nhttps://*) echo \"$1\" >> " + opened + "; exit 0;;\nesac\n" +
		"echo 'xdg-open: no method available for opening '\"$1\" >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(opener, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tray := exec.Command(bin)
	// A light theme, larger, is easier to read back by OCR.
	tray.Env = []string{"HEARTH_CONNECTOR_CONFIG=" + config, "FYNE_THEME=light", "FYNE_SCALE=1.5", "PATH=" + opener + ":" + os.Getenv("PATH")}
	t.Cleanup(func() { // the consoles the tray started
		for pid := consolePID(filepath.Dir(bin)); pid != 0; pid = consolePID(filepath.Dir(bin)) {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	var log lockedBuffer
	tray.Stdout, tray.Stderr = &log, &log
	d.start(tray)

	var item string
	pooltest.Eventually(t, 20*time.Second, "the icon in the tray", func() bool { item = d.item(); return item != "" })
	showing := func(what, want string) []menuItem {
		t.Helper()
		var items []menuItem
		deadline := time.Now().Add(20 * time.Second)
		for {
			items = d.menu(item)
			if strings.Contains(labels(items), want) {
				return items
			}
			if time.Now().After(deadline) {
				t.Fatalf("the menu never showed %s; it shows %q\n%s", what, labels(items), log.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	showing("a PC that has not joined", "This PC has not joined a server yet")
	if err := cfg.Save(config); err != nil { // as the console's Setup page does
		t.Fatal(err)
	}
	items := showing("the server's health once joined", "Everything is fine")
	d.showsColour("tray-good.png", "green", 0x2e9d4f)
	// The tray asks who the user is before it follows the health: mum is no administrator.
	if l := labels(items); strings.Contains(l, "Manage the server") || !strings.Contains(l, "Not backed up yet") {
		t.Errorf("a plain user's menu: %s", l)
	}

	off := schema.PCReport{OS: "linux", Checks: []schema.Check{{ID: "firewall", Area: "network", State: schema.Warning,
		Title: "Firewall", Sentence: "The firewall (ufw) is off."}}}
	if err := s.App.Health.Report(ctx, "Laptop", "mum", false, off); err != nil {
		t.Fatal(err)
	}
	items = showing("the firewall problem", "• Laptop: Firewall")
	// Each problem once: counted on the status line, named on a line of its own.
	if l := labels(items); !strings.Contains(l, ":2 problems |") || strings.Count(l, "Laptop: Firewall") != 1 || strings.Count(l, "Laptop has never been backed up") != 1 {
		t.Errorf("the menu says the problems %s", l)
	}
	d.showsColour("tray-warning.png", "yellow", 0xe8a200)
	if err := s.App.Health.Report(ctx, "Laptop", "mum", false, off); err != nil { // the same again
		t.Fatal(err)
	}
	showing("the firewall problem still", "• Laptop: Firewall")
	var shown []string
	pooltest.Eventually(t, 10*time.Second, "a notification of the firewall", func() bool {
		shown = d.notifications()
		return slices.Contains(shown, "Laptop: Firewall")
	})
	// A second notification would come within moments of the second report.
	time.Sleep(2 * time.Second)
	shown = d.notifications() // the whole history, the first one among it
	if n := len(slices.DeleteFunc(slices.Clone(shown), func(s string) bool { return s != "Laptop: Firewall" })); n != 1 {
		t.Errorf("the firewall was notified %d times: %q", n, shown)
	}

	byLabel := func(label string) int {
		for _, it := range items {
			if it.label == label {
				return it.id
			}
		}
		t.Fatalf("no %q in the menu: %s", label, labels(items))
		return -1
	}
	if err := d.click(item, byLabel("Back up now")); err != nil {
		t.Fatal(err)
	}
	items = showing("the backup's end", ", finished")
	if l := labels(items); !strings.Contains(l, ":Last backup: ") || strings.Contains(l, "Not backed up yet") {
		t.Errorf("after the backup, the menu says %s", l)
	}
	bc, err := backupclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if snaps, err := bc.Snapshots(ctx); err != nil || len(snaps) != 1 || snaps[0].Files != 1 {
		t.Errorf("after Back up now, the server has %+v %v", snaps, err)
	}

	if err := d.click(item, byLabel("Health…")); err != nil {
		t.Fatal(err)
	}
	d.showsWindow("Hearth", "console-health.png")
	console := consolePID(filepath.Dir(bin))
	t.Logf("memory: tray %s, console %s", rss(tray.Process.Pid), rss(console))
	if p, err := os.FindProcess(console); err == nil && console != 0 {
		p.Kill()
	}
	pooltest.Eventually(t, 10*time.Second, "the first console to end", func() bool {
		return consolePID(filepath.Dir(bin)) == 0 && len(d.windows("Hearth")) == 0
	})

	if err := d.click(item, byLabel("Open shared folders")); err != nil {
		t.Fatal(err)
	}
	win := d.window("Hearth")
	var words []word
	pooltest.Eventually(t, 30*time.Second, "the shares in the console's Files page", func() bool {
		words = d.read(win, "console-shares.png")
		_, ok := find(words, "Public")
		return ok
	})
	public, _ := find(words, "Public")
	d.doubleClick(win, public)
	pooltest.Eventually(t, 30*time.Second, "the files of Public", func() bool {
		words = d.read(win, "console-public.png")
		_, photo := find(words, "beach.jpg")
		_, folder := find(words, "Holiday")
		return photo && folder
	})
	t.Logf("the console's Files page reads: %s", texts(words))

	if err := os.Remove(config); err != nil { // as leaving does
		t.Fatal(err)
	}
	items = showing("the PC having left", "This PC has not joined a server yet")

	// Joined as an administrator's PC, the menu offers to manage the server; clicked,
	// the browser opens the server's sign-in page, at the address the connector trusts.
	s.AddUser("dad", "battery staple", true)
	admin, err := connector.Join(ctx, id, "dad", "battery staple", "Desktop")
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Save(config); err != nil {
		t.Fatal(err)
	}
	items = showing("Manage the server for an administrator", "Manage the server…")
	d.screenshot("tray-admin.png")
	if err := d.click(item, byLabel("Manage the server…")); err != nil {
		t.Fatal(err)
	}
	var asked []byte
	pooltest.Eventually(t, 10*time.Second, "the browser to be asked", func() bool {
		asked, _ = os.ReadFile(opened)
		return len(asked) > 0
	})
	if got, want := string(asked), s.URL+"/signin?next=%2F\n"; got != want {
		t.Errorf("Manage the server opened %q, want %q", got, want)
	}

	quit := byLabel("Quit")
	if err := d.click(item, quit); err != nil {
		t.Fatalf("click Quit (item %d): %v", quit, err)
	}
	done := make(chan error, 1)
	go func() { done <- tray.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("the tray ended with %v\n%s", err, log.String())
		}
	case <-time.After(10 * time.Second):
		t.Errorf("the tray did not quit when Quit was clicked\n%s", log.String())
	}
}
