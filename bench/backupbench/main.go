// Command backupbench compares Hearth's PC backup with restic, borg and kopia side by
// side, on the same generated data, each with its own repository on the same disk:
// initial backup speed and peak memory, a rerun with nothing changed, a full restore, the
// repository's size, and what a second PC holding 90% of the same files adds.
//
// Run it alone from the repository root (make bench-deps installs restic and borg; kopia
// is built once from the Go module proxy at a pinned version):
//
//	go run ./bench/backupbench                              # ~1.5 GiB, 20000 files, 3 runs
//	go run ./bench/backupbench -size-mb 200 -files 3000 -runs 1   # a quick look
//
// The same settings can come from BACKUPBENCH_SIZE_MB, BACKUPBENCH_FILES and
// BACKUPBENCH_RUNS. Timings are medians over the runs; they vary with the machine and its
// load, so compare the ratios of one run, and never use them as pass/fail tests.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	dirFlag   = flag.String("dir", "", "where to work; a dataset generated there earlier with the same settings is reused (default: a new folder under /var/tmp, removed at the end)")
	sizeMB    = flag.Int("size-mb", envInt("BACKUPBENCH_SIZE_MB", 1536), "size of the dataset in MiB")
	files     = flag.Int("files", envInt("BACKUPBENCH_FILES", 20000), "files in the dataset")
	runs      = flag.Int("runs", envInt("BACKUPBENCH_RUNS", 3), "runs of every measurement (medians are reported)")
	seed      = flag.Uint64("seed", 1, "seed of the dataset generator")
	only      = flag.String("only", "", "comma-separated tools to run (hearth, restic, borg, kopia; default all)")
	kopiaFlag = flag.String("kopia", "", "the kopia binary (default: kopia on the PATH, else "+kopiaVersion+" built from the module proxy)")
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// bench is one benchmark session.
type bench struct {
	dir  string
	drop bool // page caches are dropped before each timed phase
	// loadStart is the load average before the benchmark: other work on the machine
	// skews every timing.
	loadStart string
	logf      *os.File

	mu       sync.Mutex // held while the cleanups run, so a second caller waits for them
	cleanups []func()

	stopping atomic.Bool // set on a signal
	runMu    sync.Mutex
	running  map[int]bool // process groups of the commands running now
}

// onExit registers f to run at the end, also on a panic or a signal.
func (b *bench) onExit(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cleanups = append(b.cleanups, f)
}

func (b *bench) cleanup() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
	b.cleanups = nil
}

// runCmd runs cmd in a process group of its own, which a signal to the benchmark stops
// with everything it started.
func (b *bench) runCmd(cmd *exec.Cmd) error {
	if err := b.start(cmd); err != nil {
		return err
	}
	err := cmd.Wait()
	b.forget(cmd)
	return err
}

// forget is called once a command started with start has been waited for.
func (b *bench) forget(cmd *exec.Cmd) {
	b.runMu.Lock()
	delete(b.running, cmd.Process.Pid)
	b.runMu.Unlock()
}

func (b *bench) start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	b.runMu.Lock()
	defer b.runMu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	b.running[cmd.Process.Pid] = true
	return nil
}

// interrupted stops the running commands, cleans up and exits.
func (b *bench) interrupted() {
	b.stopping.Store(true)
	b.runMu.Lock()
	for pid := range b.running {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	b.runMu.Unlock()
	b.cleanup()
	fmt.Fprintln(os.Stderr, "backupbench: interrupted")
	os.Exit(1)
}

func main() {
	flag.Parse()
	b := &bench{drop: canDropCaches(), loadStart: loadAvg(), running: map[int]bool{}}
	b.dir = *dirFlag
	if b.dir == "" {
		d, err := os.MkdirTemp("/var/tmp", "backupbench-")
		check(err)
		b.dir = d
		b.onExit(func() { removeAll(d) })
	}
	check(os.MkdirAll(b.dir, 0o755))
	b.dir, _ = filepath.Abs(b.dir)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; b.interrupted() }()
	defer b.cleanup()
	logf, err := os.Create(filepath.Join(b.dir, "commands.log"))
	check(err)
	b.logf = logf
	b.onExit(func() { logf.Close() })

	tools, skipped := b.tools()
	fmt.Fprintf(os.Stderr, "backupbench: generating %d MiB in %d files in %s\n", *sizeMB, *files, b.dir)
	start := time.Now()
	ds, err := loadOrMakeDataset(b.dir, int64(*sizeMB)<<20, *files, *seed, b.stopping.Load)
	check(err)
	fmt.Fprintf(os.Stderr, "backupbench: dataset ready in %s\n", time.Since(start).Round(time.Second))

	results := map[string][]runResult{}
	for r := range *runs {
		// Each run starts from a different tool, so none always goes first.
		for k := range tools {
			t := tools[(k+r)%len(tools)]
			results[t.name] = append(results[t.name], b.runOnce(t, r, ds))
		}
	}
	report(b, ds, tools, skipped, results)
}

// tools finds the programs to compare; skipped says which are missing and why.
func (b *bench) tools() (tools []tool, skipped []string) {
	want := func(n string) bool { return *only == "" || strings.Contains(","+*only+",", ","+n+",") }
	if want("hearth") {
		tools = append(tools, hearthTool(b))
	}
	for _, c := range []struct {
		name string
		find func() (tool, bool)
	}{{"restic", resticTool}, {"borg", borgTool}} {
		name, f := c.name, c.find
		if !want(name) {
			continue
		}
		if t, ok := f(); ok {
			tools = append(tools, t)
		} else {
			skipped = append(skipped, name+" is not installed (make bench-deps installs it)")
		}
	}
	if want("kopia") {
		if bin, err := findKopia(b, *kopiaFlag); err != nil {
			skipped = append(skipped, fmt.Sprintf("kopia %s could not be built: %v", kopiaVersion, err))
		} else {
			tools = append(tools, kopiaTool(bin))
		}
	}
	return tools, skipped
}

// runResult is one run of one tool.
type runResult struct {
	initial, rerun, restore, second sample
	repoFirst, repoRerun, added     int64
	reportedAdded                   int64 // what Hearth says the second PC added (Hearth only)
	verifyErr                       error
}

// runOnce makes a fresh repository for t and measures every phase in it.
func (b *bench) runOnce(t tool, run int, ds *dataset) runResult {
	ws := filepath.Join(b.dir, "work", fmt.Sprintf("%s-%d", t.name, run+1))
	check(os.RemoveAll(ws))
	check(os.MkdirAll(ws, 0o755))
	defer os.RemoveAll(ws)
	label := func(phase string) string { return fmt.Sprintf("%s run %d: %s", t.name, run+1, phase) }
	fmt.Fprintf(os.Stderr, "%s\n", label("setting up"))
	r := t.open(b, ws)
	defer r.close()
	var res runResult

	res.initial = b.phase(label("initial backup"), r.backup(1, ds.pc1), r)
	res.repoFirst = r.size()
	res.rerun = b.phase(label("no-change rerun"), r.backup(1, ds.pc1), r)
	res.repoRerun = r.size()

	out := filepath.Join(ws, "restored")
	res.restore = b.phase(label("restore"), r.restore(ds.pc1, out), r)
	// Every run checks names and sizes; the first also checks every byte.
	if res.verifyErr = verify(restoredRoot(out, ds.pc1, ds), ds, run == 0); res.verifyErr != nil {
		fmt.Fprintf(os.Stderr, "%s: RESTORE WRONG: %v\n", t.name, res.verifyErr)
	}
	check(os.RemoveAll(out))

	before := r.size()
	res.second = b.phase(label("second PC backup"), r.backup(2, ds.pc2), r)
	res.added = r.size() - before
	if t.name == "hearth" {
		rep, err := lastReport(res.second.out)
		check(err)
		res.reportedAdded = rep.Snapshot.Added
	}
	return res
}

// phase runs one timed command and says how long it took.
func (b *bench) phase(label string, cmd *exec.Cmd, r repo) sample {
	fmt.Fprintf(os.Stderr, "%s ...", label)
	s := b.timed(label, cmd, r.server())
	fmt.Fprintf(os.Stderr, " %s, peak RSS %d MiB\n", s.wall.Round(time.Millisecond), s.rssKB>>10)
	return s
}

// loadAvg is the machine's 1, 5 and 15 minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// removeAll removes dir, trying again while files still being written reappear.
func removeAll(dir string) {
	for range 20 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
