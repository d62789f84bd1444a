// Command membench measures hearthd's memory as a small box sees it: how long a start
// takes and how high its resident memory rises meanwhile, how much it holds when idle
// afterwards, and its peak while many requests signed in by password arrive at once (a
// PC opening a folder of photos). It does so on an empty pool and on one of many files,
// restarting the server for each run; figures are medians of the runs.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearth-home/hearth/bench/internal/proc"
	"github.com/hearth-home/hearth/bench/internal/summary"
)

var (
	dirFlag = flag.String("dir", "", "where to work (default: a folder under /var/tmp)")
	many    = flag.Int("many", 100000, "files in the larger pool (0: only the empty pool)")
	clients = flag.Int("clients", 16, "PROPFINDs signed in by password at once")
	runs    = flag.Int("runs", 3, "starts of the server per pool")
	settle  = flag.Duration("settle", 20*time.Second, "how long after start the idle memory is read (the catalog closes connections unused for 10 s)")
	binFlag = flag.String("bin", "", "a hearthd to measure (default: build ./server)")
	reuse   = flag.String("many-state", "", "the state folder of a pool of many files an earlier run made (kept with -dir), instead of making one")
)

const user, pass = "bench", "bench-password"

// sample is one start of the server.
type sample struct {
	start              time.Duration // from exec until the first answer
	startPeak, idle    float64       // MB: peak RSS up to the idle reading, RSS then
	burstPeak, settled float64       // MB: peak RSS during the burst of PROPFINDs, RSS 10 s later
}

func main() {
	flag.Parse()
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("/var/tmp", "membench-")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	check(os.MkdirAll(dir, 0o755))
	la, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("membench in %s, %s, load average %s\n", dir, time.Now().Format(time.RFC3339), strings.Join(strings.Fields(string(la))[:3], " "))
	bin := *binFlag
	if bin == "" {
		bin = filepath.Join(dir, "hearthd")
		build := exec.Command("go", "build", "-o", bin, "./server")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		check(build.Run())
	}
	h := &hearth{bin: bin, state: filepath.Join(dir, "state"), dir: dir}
	h.setup()

	fmt.Printf("\n| pool | start-up | start peak RSS | idle RSS (%s after start) | peak RSS, %d password PROPFINDs at once | RSS 10 s later |\n", *settle, *clients)
	fmt.Println("|---|---|---|---|---|---|")
	h.report("empty", h.measure())
	if *reuse != "" {
		// Measured with each hearthd in turn on the same pool, without indexing it again.
		h.state = *reuse
		h.report("the pool of "+*reuse, h.measure())
	} else if *many > 0 {
		// The files are put on the drive by hand and indexed by a rebuild, quicker than
		// uploading them one by one.
		fmt.Fprintf(os.Stderr, "making %d files and indexing them\n", *many)
		fill(filepath.Join(h.state, "drives", "drive1", "Shares", user, "many"), *many)
		h.cli("", "pool", "rebuild")
		h.report(fmt.Sprintf("%d files", *many), h.measure())
	}
	fmt.Println("\ngoals: idle RSS < 60 MB, start-up < 5 s, no spike at start, peak RSS < 120 MB")
}

type hearth struct {
	bin, state, dir string
	port            int
	cmd             *exec.Cmd
}

func (h *hearth) setup() {
	var err error
	h.port, err = proc.FreePort()
	check(err)
	h.run()
	h.cli(pass+"\n", "setup", "-name", user)
	// The burst lists a folder of photos: 200 small files.
	h.cli("", "file", "mkdir", user+"/photos")
	h.stop()
	fill(filepath.Join(h.state, "drives", "drive1", "Shares", user, "photos"), 200)
	h.cli("", "pool", "rebuild")
}

func (h *hearth) url() string { return fmt.Sprintf("https://127.0.0.1:%d/", h.port) }

// run starts the server and returns how long it took to answer.
func (h *hearth) run() time.Duration {
	h.cmd = exec.Command(h.bin, "-state", h.state, "run", "-listen", fmt.Sprintf("127.0.0.1:%d", h.port), "-http", "off", "-announce=false", "-media", "127.0.0.1:0")
	log, err := os.OpenFile(filepath.Join(h.dir, "hearthd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	check(err)
	h.cmd.Stdout, h.cmd.Stderr = log, log
	t := time.Now()
	check(h.cmd.Start())
	c := client()
	for i := 0; i < 1200; i++ {
		if resp, err := c.Get(h.url()); err == nil {
			resp.Body.Close()
			return time.Since(t)
		}
		time.Sleep(25 * time.Millisecond)
	}
	panic("hearthd did not start")
}

func (h *hearth) stop() {
	h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		h.cmd.Process.Kill()
		<-done
	}
}

func (h *hearth) cli(stdin string, args ...string) string {
	cmd := exec.Command(h.bin, append([]string{"-state", h.state}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		panic(fmt.Sprintf("hearthd %v: %v\n%s", args, err, out))
	}
	return string(out)
}

func (h *hearth) measure() []sample {
	var out []sample
	for range *runs {
		var s sample
		s.start = h.run()
		pid := []int{h.cmd.Process.Pid}
		time.Sleep(*settle)
		s.startPeak = mb(proc.RSS(pid, "VmHWM"))
		s.idle = mb(proc.RSS(pid, "VmRSS"))
		proc.ResetPeak(pid)
		h.burst()
		s.burstPeak = mb(proc.RSS(pid, "VmHWM"))
		time.Sleep(10 * time.Second)
		s.settled = mb(proc.RSS(pid, "VmRSS"))
		h.stop()
		fmt.Fprintf(os.Stderr, "  start %v, start peak %.0f MB, idle %.0f MB, burst peak %.0f MB, then %.0f MB\n",
			s.start.Round(time.Millisecond), s.startPeak, s.idle, s.burstPeak, s.settled)
		out = append(out, s)
	}
	return out
}

// burst sends the PROPFINDs at once, each on a connection of its own, as a file manager
// opening a folder does, all signed in by password.
func (h *hearth) burst() {
	var wg sync.WaitGroup
	for range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("PROPFIND", h.url()+"dav/"+user+"/photos/", nil)
			req.Header.Set("Depth", "1")
			req.SetBasicAuth(user, pass)
			resp, err := client().Do(req)
			check(err)
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusMultiStatus {
				panic("PROPFIND: " + resp.Status)
			}
		}()
	}
	wg.Wait()
}

func (h *hearth) report(pool string, ss []sample) {
	med := func(f func(sample) float64) float64 {
		v := make([]float64, len(ss))
		for i, s := range ss {
			v[i] = f(s)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	start, startPeak := med(func(s sample) float64 { return s.start.Seconds() }), med(func(s sample) float64 { return s.startPeak })
	idle, burst := med(func(s sample) float64 { return s.idle }), med(func(s sample) float64 { return s.burstPeak })
	fmt.Printf("| %s | %.2f s | %.0f MB | %.0f MB | %.0f MB | %.0f MB |\n", pool, start, startPeak, idle, burst,
		med(func(s sample) float64 { return s.settled }))
	// The goals are bounds, not peers: in make bench's summary the ratio is the bound over
	// the figure, at least 1 when the goal is met.
	for _, f := range []struct {
		what       string
		v, bound   float64
		unit, peer string
	}{
		{"start-up", start, 5, "s", "bound 5 s"},
		{"peak RSS at start", startPeak, 120, "MB", "bound 120 MB"},
		{"idle RSS", idle, 60, "MB", "bound 60 MB"},
		{fmt.Sprintf("peak RSS, %d password PROPFINDs at once", *clients), burst, 120, "MB", "bound 120 MB"},
	} {
		check(summary.Add(summary.Figure{Work: "hearthd " + f.what + ", " + pool, Hearth: fmt.Sprintf("%.2f %s", f.v, f.unit),
			Peer: f.peer, Ratio: f.bound / max(f.v, 0.01), Goal: 1}))
	}
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableCompression: true}}
}

// fill makes n small files in dir.
func fill(dir string, n int) {
	check(os.MkdirAll(dir, 0o755))
	for i := range n {
		check(os.WriteFile(filepath.Join(dir, fmt.Sprintf("file-%06d.jpg", i)), []byte("x"), 0o644))
	}
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
