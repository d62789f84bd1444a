package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
)

// TestArm64UnderQEMU: the server cross-built for linux/arm64, as it runs on a small ARM
// board, started under QEMU's user emulation: a PC (this machine's hearth) joins it,
// backs a folder up and restores it byte for byte; then, its catalog lost, the server
// rebuilds its index from the drive alone and serves the same backup again. It catches
// what only goes wrong on ARM (alignment, word size, an assembly path); its timings are
// not compared.
func TestArm64UnderQEMU(t *testing.T) {
	qemu := testenv.NeedTool(t, "qemu-aarch64")
	dir := t.TempDir()
	server, client := filepath.Join(dir, "hearthd-arm64"), filepath.Join(dir, "hearth")
	for _, b := range []struct{ out, pkg, arch string }{{server, ".", "arm64"}, {client, "../client", "amd64"}} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+b.arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s for %s: %v\n%s", b.pkg, b.arch, err, out)
		}
	}
	state, drive := filepath.Join(dir, "state"), filepath.Join(dir, "drive")
	os.Mkdir(drive, 0o700)
	hearthd := func(stdin string, args ...string) *exec.Cmd {
		c := exec.Command(qemu, append([]string{server, "-state", state}, args...)...)
		c.Stdin = strings.NewReader(stdin)
		return c
	}
	run := func(c *exec.Cmd) string {
		t.Helper()
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c.Args, " "), err, out)
		}
		return string(out)
	}
	start := func() (url string, stop func()) {
		t.Helper()
		logFile := filepath.Join(dir, fmt.Sprintf("hearthd-%d.log", time.Now().UnixNano()))
		log, err := os.Create(logFile)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		said := func() string { b, _ := os.ReadFile(logFile); return string(b) }
		cmd := hearthd("", "run", "-drive", drive, "-listen", "127.0.0.1:0", "-http", "off", "-announce=false", "-media", "127.0.0.1:0")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		stop = func() {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(time.Minute):
				cmd.Process.Kill()
				<-done
				t.Errorf("the ARM server did not stop within a minute of SIGTERM:\n%s", said())
			}
		}
		port := regexp.MustCompile(`https://[^ /]+:(\d+)/dav/`)
		deadline := time.Now().Add(3 * time.Minute) // emulated, and on a busy machine
		for time.Now().Before(deadline) {
			// Asked only once the server serves: hearthd status on a state folder no
			// server has yet opens it itself, and would hold it from the server.
			if strings.Contains(said(), "the shared folders are served") {
				if m := port.FindStringSubmatch(run(hearthd("", "status"))); m != nil {
					return "https://127.0.0.1:" + m[1], stop
				}
			}
			time.Sleep(500 * time.Millisecond)
		}
		stop()
		t.Fatalf("the ARM server did not start:\n%s", said())
		return "", nil
	}

	url, stop := start()
	run(hearthd("correct horse\n", "setup", "-name", "mum"))
	fp := regexp.MustCompile(`Authority\s+SHA-256 (\S+)`).FindStringSubmatch(run(hearthd("", "status")))
	if fp == nil {
		stop()
		t.Fatal("hearthd status shows no authority")
	}
	config := filepath.Join(dir, "connector.json")
	hearth := func(args ...string) *exec.Cmd {
		c := exec.Command(client, args...)
		c.Env = append(os.Environ(), "HEARTH_CONNECTOR_CONFIG="+config)
		c.Stdin = strings.NewReader("correct horse\n")
		return c
	}
	home := filepath.Join(dir, "home")
	want := map[string][]byte{"photo.jpg": make([]byte, 3<<20), "notes/a.txt": []byte("hello from an ARM box\n"), "empty": nil}
	for name, b := range want {
		rand.Read(b)
		os.MkdirAll(filepath.Dir(filepath.Join(home, name)), 0o755)
		if err := os.WriteFile(filepath.Join(home, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(hearth("join", "-user", "mum", "-name", "Laptop", "-fingerprint", fp[1], url))
	run(hearth("backup", "-include", home))
	restored := func(into string) {
		t.Helper()
		run(hearth("restore", "-to", into, "latest", home))
		for name, b := range want {
			got, err := os.ReadFile(filepath.Join(into, "home", name))
			if err != nil || !bytes.Equal(got, b) {
				t.Errorf("%s restored from the ARM server: %d bytes, %v; want %d bytes as backed up", name, len(got), err, len(b))
			}
		}
	}
	restored(filepath.Join(dir, "out1"))
	stop()

	// The catalog lost: the server rebuilds it from the drive alone.
	matches, _ := filepath.Glob(filepath.Join(state, "catalog.db*"))
	if len(matches) == 0 {
		t.Fatalf("no catalog in %s to lose", state)
	}
	for _, m := range matches {
		os.Remove(m)
	}
	run(hearthd("", "pool", "rebuild", drive))
	url2, stop := start()
	defer stop()
	if url2 == "" {
		return
	}
	if st := run(hearthd("", "pool", "status")); !strings.Contains(st, "1 drive") {
		t.Errorf("after the rebuild, pool status says:\n%s", st)
	}
	// The PC's configuration names the first address; the port may have changed.
	b, _ := os.ReadFile(config)
	os.WriteFile(config, bytes.ReplaceAll(b, []byte(url), []byte(url2)), 0o600)
	restored(filepath.Join(dir, "out2"))
}
