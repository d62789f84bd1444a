package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"github.com/hearth-home/hearth/bench/internal/proc"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// hearth is a real hearthd with its own state and pool drive, and two PCs joined to it
// with the hearth command, all over HTTPS on loopback.
type hearth struct {
	b                 *bench
	bin, state, drive string
	cfg               [3]string // connector config of PC 1 and PC 2
	cmd               *exec.Cmd
}

// hearthTool builds hearthd and hearth from this tree.
func hearthTool(b *bench) tool {
	bin := filepath.Join(b.dir, "bin")
	for _, c := range [][]string{{"hearthd", "./server"}, {"hearth", "./client"}} {
		build := exec.Command("go", "build", "-o", filepath.Join(bin, c[0]), c[1])
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		check(b.runCmd(build))
	}
	return tool{name: "hearth", version: "this tree",
		settings: "hearthd on loopback HTTPS; client hearth backup/restore; defaults",
		open:     func(b *bench, ws string) repo { return startHearth(b, bin, ws) }}
}

func startHearth(b *bench, bin, ws string) *hearth {
	h := &hearth{b: b, bin: bin, state: filepath.Join(ws, "state"), drive: filepath.Join(ws, "drive")}
	check(os.MkdirAll(h.drive, 0o755))
	port, err := proc.FreePort()
	check(err)
	url := fmt.Sprintf("https://127.0.0.1:%d", port)
	h.cmd = exec.Command(filepath.Join(bin, "hearthd"), "-state", h.state, "run", "-drive", h.drive,
		"-listen", fmt.Sprintf("127.0.0.1:%d", port), "-http", "off", "-announce=false", "-media", "127.0.0.1:0")
	log, err := os.Create(filepath.Join(ws, "hearthd.log"))
	check(err)
	h.cmd.Stdout, h.cmd.Stderr = log, log
	check(b.start(h.cmd))
	b.onExit(h.close)
	waitUp(url + "/")
	b.quiet("hearthd setup", h.hearthd(password+"\n", "setup", "-name", "bench"))
	out := string(b.quiet("hearthd status", h.hearthd("", "status")))
	fp := ""
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "Authority" {
			fp = f[2]
		}
	}
	for pc := 1; pc <= 2; pc++ {
		h.cfg[pc] = filepath.Join(ws, fmt.Sprintf("pc%d.json", pc))
		join := h.hearth(pc, "join", "-user", "bench", "-name", fmt.Sprintf("PC%d", pc), "-fingerprint", fp, url)
		join.Stdin = strings.NewReader(password + "\n")
		b.quiet("hearth join", join)
	}
	return h
}

func (h *hearth) hearthd(stdin string, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(h.bin, "hearthd"), append([]string{"-state", h.state}, args...)...)
	c.Stdin = strings.NewReader(stdin)
	return c
}

func (h *hearth) hearth(pc int, args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(h.bin, "hearth"), args...)
	c.Env = baseEnv("HEARTH_CONNECTOR_CONFIG=" + h.cfg[pc])
	return c
}

func (h *hearth) backup(pc int, data string) *exec.Cmd {
	return h.hearth(pc, "backup", "-include", data, "-json")
}

func (h *hearth) restore(_, out string) *exec.Cmd {
	return h.hearth(1, "restore", "-to", out, "latest")
}

// size is the Backups share on the pool drive plus the server's blob index.
func (h *hearth) size() int64 {
	n := dirSize(filepath.Join(h.drive, "Shares", "Backups"))
	m, _ := filepath.Glob(filepath.Join(h.state, "backups.db*"))
	for _, p := range m {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func (h *hearth) server() []int { return []int{h.cmd.Process.Pid} }

func (h *hearth) close() {
	if h.cmd == nil || h.cmd.Process == nil || h.cmd.ProcessState != nil {
		return
	}
	h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		<-done
	}
	h.b.forget(h.cmd)
}

// snapshotReport is the last line of hearth backup -json.
type snapshotReport struct {
	Done     bool `json:"done"`
	Snapshot struct {
		Files int64 `json:"files"`
		Bytes int64 `json:"bytes"`
		Added int64 `json:"added"`
	} `json:"snapshot"`
	Error string `json:"error"`
}

func lastReport(out []byte) (snapshotReport, error) {
	var r snapshotReport
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return r, err
	}
	if !r.Done {
		return r, fmt.Errorf("hearth backup did not finish: %s", r.Error)
	}
	return r, nil
}

// waitUp waits until url answers anything.
func waitUp(url string) {
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for range 600 {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	panic("hearthd at " + url + " did not start")
}
