package installer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// wine runs Windows programs in a Wine prefix of the test's own: a Windows with its own
// C: drive, registry and Task Scheduler, made fresh by wineboot.
type wine struct {
	t      *testing.T
	prefix string
	env    []string
}

const (
	wine64     = "/usr/lib/wine/wine64"
	wineserver = "/usr/lib/wine/wineserver"
)

func newWine(t *testing.T) *wine {
	t.Helper()
	testenv.NeedTool(t, wine64)
	gcc := testenv.NeedTool(t, "x86_64-w64-mingw32-gcc")
	w := &wine{t: t, prefix: t.TempDir()}
	// Wine links the profile's Documents, Pictures and the like to $HOME: a home of the
	// test's own keeps the machine's files out of it.
	w.env = append(os.Environ(), "WINEPREFIX="+w.prefix, "HOME="+t.TempDir(), "WINEDEBUG=-all",
		// No Mono or Gecko download prompts; the shim below, not Wine's missing DLL.
		"WINEDLLOVERRIDES=mscoree,mshtml=;bcryptprimitives=n", "DISPLAY=")
	t.Cleanup(func() {
		// Whatever the installer left running (the tray) goes with the prefix.
		cmd := exec.Command(wineserver, "-k")
		cmd.Env = w.env
		_ = cmd.Run()
	})
	if _, err := w.run("", "wineboot", "-i"); err != nil {
		t.Fatalf("wineboot: %v", err)
	}
	// Until the first boot has settled, Wine's service database is locked and schtasks
	// fails.
	w.wait()
	out, err := exec.Command(gcc, "-shared", "-O2", "-o", w.path(`C:\windows\system32\bcryptprimitives.dll`),
		"testdata/bcryptprimitives.c", "-ladvapi32").CombinedOutput()
	if err != nil {
		t.Fatalf("build the ProcessPrng shim: %v\n%s", err, out)
	}
	return w
}

// run runs a Windows program with input on its standard input and returns what it
// printed; an error if it failed or took over two minutes.
func (w *wine) run(input string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, wine64, args...)
	cmd.Env = w.env
	cmd.Stdin = strings.NewReader(input)
	// A file, not a pipe: a program the installer starts (the tray) inherits it and
	// outlives the installer, and a pipe would make Run wait for it.
	out, err := os.CreateTemp(w.t.TempDir(), "out")
	if err != nil {
		return "", err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	b, _ := os.ReadFile(out.Name())
	return string(b), err
}

// must is run, failing the test when the program fails.
func (w *wine) must(input string, args ...string) string {
	w.t.Helper()
	out, err := w.run(input, args...)
	if err != nil {
		w.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// wait waits for every program in the prefix to end, as an uninstaller that copied
// itself to the temporary folder must.
func (w *wine) wait() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, wineserver, "-w")
	cmd.Env = w.env
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("waiting for Wine's programs to end: %v\n%s", err, out)
	}
}

// path is where a C: path of the prefix is on this machine.
func (w *wine) path(win string) string {
	rel, ok := strings.CutPrefix(win, `C:\`)
	if !ok {
		w.t.Fatalf("not a C: path: %s", win)
	}
	return filepath.Join(w.prefix, "drive_c", filepath.FromSlash(strings.ReplaceAll(rel, `\`, "/")))
}

// regValue is a registry value as reg query prints it, "" when there is none. Under
// load Wine's reg.exe now and then ends in failure without an answer, so a failure that
// does not say the value is missing is tried again, and fails the test the third time.
func (w *wine) regValue(key, name string) string {
	w.t.Helper()
	var out string
	var err error
	for range 3 {
		if out, err = w.run("", "reg", "query", key, "/v", name); err == nil {
			for l := range strings.Lines(out) {
				if f := strings.Fields(l); len(f) >= 3 && f[0] == name {
					return strings.Join(f[2:], " ")
				}
			}
			return ""
		}
		if strings.Contains(strings.ToLower(out), "unable to find") {
			return ""
		}
		time.Sleep(time.Second)
	}
	w.t.Fatalf("reg query %s /v %s: %v\n%s", key, name, err, out)
	return ""
}

// running says whether a program of that name runs in the prefix.
func (w *wine) running(exe string) bool {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmdline, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		environ, _ := os.ReadFile(filepath.Join(p, "environ"))
		if bytes.Contains(cmdline, []byte(exe)) && bytes.Contains(environ, []byte("WINEPREFIX="+w.prefix+"\x00")) {
			return true
		}
	}
	return false
}

// TestWindowsConnectorUnderWine installs the Windows connector as a person would, with
// the installer's silent mode, in Wine; joins the PC to a real server with the
// installed hearth.exe, backs up a Windows profile's Documents and restores it; installs
// again over it, as an upgrade does; and uninstalls it. Wine's Task Scheduler keeps a
// task's name and settings but not its triggers or actions, so whether the agent starts
// at logon is for a real Windows to show.
func TestWindowsConnectorUnderWine(t *testing.T) {
	m, _ := filepath.Glob(filepath.Join(dist(t), "hearth-setup-*.exe"))
	if len(m) != 1 {
		t.Fatalf("want one Windows installer in %s, found %v", dist(t), m)
	}
	setup := m[0]
	w := newWine(t)

	const dir = `C:\Program Files\Hearth`
	w.must("", setup, "/S")
	installed(t, w, dir)
	if !w.running("hearth-tray.exe") {
		t.Error("the tray was not started at the end of the install")
	}

	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	info, err := s.Admin().Server(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hearth := dir + `\hearth.exe`
	if out := w.must("correct horse\n", hearth, "join", "-user", "mum", "-name", "Windows PC", "-fingerprint", info.CAFingerprint, s.URL); !strings.Contains(out, "has joined") {
		t.Fatalf("join:\n%s", out)
	}
	profile := strings.TrimSpace(w.must("", "cmd", "/c", "echo %USERPROFILE%"))
	docs := profile + `\Documents`
	// A folder of its own, not Wine's link to $HOME, where Wine keeps its menu entries.
	if err := os.Remove(w.path(docs)); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		`Holiday\beach.jpg`:   bytes.Repeat([]byte{0xff, 0xd8, 7}, 400_000),
		`Holiday\Größe.txt`:   []byte("names in Unicode\r\n"),
		`letter to gran.docx`: []byte("Dear Gran"),
		// Past Windows's 260 characters, in the backup and in the restore.
		strings.Repeat(`a folder with a long name\`, 10) + `deep.txt`: []byte("deep down"),
	}
	for name, b := range files {
		writeFile(t, w.path(docs+`\`+name), b)
	}
	if out := w.must("", hearth, "backup", "-include", docs); !strings.Contains(out, "Backed up 4 files") {
		t.Fatalf("backup:\n%s", out)
	}
	const to = `C:\Restored`
	if out := w.must("", hearth, "restore", "-to", to, "latest", docs); !strings.Contains(out, "Restored 4 files") {
		t.Fatalf("restore:\n%s", out)
	}
	for name, want := range files {
		if got, err := os.ReadFile(w.path(to + `\Documents\` + name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("restored %s: %d bytes, %v; want %d bytes the same", name, len(got), err, len(want))
		}
	}

	// An upgrade: the same installer over the running tray keeps the PC joined.
	w.must("", setup, "/S")
	installed(t, w, dir)
	if out := w.must("", hearth, "status"); !strings.Contains(out, "signed in as mum") {
		t.Errorf("status after installing again:\n%s", out)
	}

	w.must("", dir+`\uninstall.exe`, "/S")
	w.wait()
	if _, err := os.Stat(w.path(dir)); !os.IsNotExist(err) {
		left, _ := os.ReadDir(w.path(dir))
		t.Errorf("after uninstalling, %s is still there (%v): %v", dir, err, left)
	}
	for _, v := range []struct{ key, name string }{{runKey, "Hearth"}, {uninstallKey, "DisplayName"}} {
		if got := w.regValue(v.key, v.name); got != "" {
			t.Errorf("after uninstalling, %s\\%s is %q", v.key, v.name, got)
		}
	}
	if _, err := os.Stat(w.path(agentTask)); !os.IsNotExist(err) {
		t.Errorf("after uninstalling, the agent's task is still registered: %v", err)
	}
	if w.running("hearth-tray.exe") {
		t.Error("after uninstalling, the tray still runs")
	}
	// The PC's settings stay in the profile; its backups stay on the server.
	if _, err := os.Stat(w.path(profile + `\AppData\Roaming\hearth\connector.json`)); err != nil {
		t.Errorf("uninstalling took this PC's settings: %v", err)
	}
}

const (
	runKey       = `HKLM\Software\Microsoft\Windows\CurrentVersion\Run`
	uninstallKey = `HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\Hearth`
	agentTask    = `C:\windows\system32\tasks\Hearth\Agent`
)

// installed checks what the installer leaves on the PC.
func installed(t *testing.T, w *wine, dir string) {
	t.Helper()
	for _, f := range []string{"hearth.exe", "hearthw.exe", "hearth-tray.exe", "hearth-console.exe", "hearth.ico", "uninstall.exe"} {
		if _, err := os.Stat(w.path(dir + `\` + f)); err != nil {
			t.Errorf("not installed: %v", err)
		}
	}
	if got, want := w.regValue(runKey, "Hearth"), `"`+dir+`\hearth-tray.exe"`; got != want {
		t.Errorf("the tray at logon: %s\\Hearth is %q, want %q", runKey, got, want)
	}
	if got := w.regValue(uninstallKey, "UninstallString"); got != `"`+dir+`\uninstall.exe"` {
		t.Errorf("Add or Remove Programs: UninstallString %q", got)
	}
	if _, err := os.Stat(w.path(`C:\ProgramData\Microsoft\Windows\Start Menu\Programs\Hearth.lnk`)); err != nil {
		t.Errorf("no Start menu entry: %v", err)
	}
	// Written by Wine's schtasks from the XML hearth service install gave it.
	if _, err := os.Stat(w.path(agentTask)); err != nil {
		t.Errorf("the agent's task was not registered: %v", err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
