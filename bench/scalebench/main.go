// Command scalebench measures Hearth at a million files: a pool is generated directly on
// its drives (stamped, as `cp -a` of pool files keeps their extended attributes, and
// separately unstamped, as files placed on a drive by hand), and the index rebuild,
// start-up, pool status, name search and scrub are timed beside plain tools doing the
// same reading (find, cat), side by side in one run. Timings vary with the machine and
// its load; compare the ratios of one run.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hearth-home/hearth/bench/internal/proc"
	"github.com/hearth-home/hearth/bench/internal/summary"
	"github.com/hearth-home/hearth/server/catalog"
)

var (
	dirFlag    = flag.String("dir", "", "where to work (default: a temp folder in /var/tmp)")
	stampedN   = flag.Int("n", 1000000, "stamped files (as cp -a of pool files makes them)")
	handN      = flag.Int("hand-n", 100000, "files placed on the drives by hand (unstamped)")
	handKB     = flag.Int("hand-kb", 16, "size of each hand-placed file in KiB")
	runs       = flag.Int("runs", 3, "runs of every measurement (medians are reported)")
	cpuProfile = flag.String("cpuprofile", "", "write CPU profiles of hearthd's rebuilds to this path plus .stamped, .hand")
	keep       = flag.Bool("keep", false, "keep the generated pools")
)

const (
	user     = "bench"
	pass     = "scale bench password"
	perDir   = 100 // files in each generated folder
	pageSize = 50  // the name search's first page
)

func main() {
	flag.Parse()
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("/var/tmp", "scalebench-")
		check(err)
		dir = d
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	fmt.Printf("scalebench in %s, %s, load %s\n\n", dir, time.Now().Format(time.RFC3339), summary.LoadAverage())
	bin := filepath.Join(dir, "hearthd")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	check(build.Run())
	fmt.Println("| work | plain tools | Hearth | ratio | goal |")
	fmt.Println("|---|---|---|---|---|")
	if *stampedN > 0 {
		stamped(newServer(dir, bin, "stamped"))
	}
	if *handN > 0 {
		hand(newServer(dir, bin, "hand"))
	}
}

// stamped measures the pool of files carrying their stamps.
func stamped(s *server) {
	s.template()
	folders := *stampedN / perDir
	s.generate(folders)
	files := folders * perDir
	walk, parWalk := s.walks()
	rebuild := s.rebuild(files, "stamped")
	row(fmt.Sprintf("index rebuild, %d stamped files, against find with stat", files),
		fmt.Sprintf("find %s (one per drive at once: %s)", dur(walk), dur(parWalk)), dur(rebuild),
		walk.Seconds()/rebuild.Seconds(), 1/1.5)
	s.serving(files)
}

// hand measures the pool of files placed on the drives by hand: they must be hashed.
func hand(s *server) {
	folders := *handN / perDir
	s.fillHand(folders, *handKB<<10)
	files := folders * perDir
	walk, parWalk := s.walks()
	read := median(func() time.Duration { return timeIt(s.catAll) })
	var took []time.Duration
	for i := range *runs {
		if i > 0 {
			s.unstamp()
		}
		took = append(took, s.rebuildOnce(files, "hand"))
	}
	rebuild := summary.Median(took)
	row(fmt.Sprintf("index rebuild, %d files placed by hand (%d KiB each), against find with stat", files, *handKB),
		fmt.Sprintf("find %s (one per drive at once: %s)", dur(walk), dur(parWalk)), dur(rebuild),
		walk.Seconds()/rebuild.Seconds(), 0)
	row(fmt.Sprintf("index rebuild, %d files placed by hand, against reading them (cat, one per drive at once)", files),
		"cat "+dur(read), dur(rebuild), read.Seconds()/rebuild.Seconds(), 0)
	s.start()
	scrub := median(func() time.Duration { return timeIt(func() { s.hearthd("", "pool", "scrub") }) })
	row(fmt.Sprintf("scrub of %d files (%d KiB each, warm cache), against cat of every copy, one per drive at once", files, *handKB),
		"cat "+dur(read), dur(scrub), read.Seconds()/scrub.Seconds(), 0.9)
	s.stop()
	serve, all := s.serveWhileAdopting()
	row(fmt.Sprintf("hearthd start-up rebuilding from drives with %d files placed by hand: answers HTTPS, against all adopted", files),
		"all adopted "+dur(all), dur(serve), all.Seconds()/serve.Seconds(), 0)
}

// serveWhileAdopting starts hearthd on the drives with the files placed by hand and no
// catalog: it rebuilds the index and serves while it adopts them. It returns when it
// answered HTTPS and when pool status no longer counted files waiting.
func (s *server) serveWhileAdopting() (serve, all time.Duration) {
	s.unstamp()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(filepath.Join(s.state, "catalog.db"+suffix)); err != nil && !os.IsNotExist(err) {
			check(err)
		}
	}
	start := time.Now()
	s.start()
	serve = time.Since(start)
	for strings.Contains(s.hearthd("", "pool", "status"), "Adopting:") {
		time.Sleep(20 * time.Millisecond)
	}
	all = time.Since(start)
	s.stop()
	return serve, all
}

// serving measures the running server on the pool of files.
func (s *server) serving(files int) {
	var starts []time.Duration
	for range *runs {
		starts = append(starts, timeIt(s.start))
		s.stop()
	}
	start := summary.Median(starts)
	row(fmt.Sprintf("hearthd start-up with %d files (until it answers HTTPS)", files), "goal 5s", dur(start),
		5/start.Seconds(), 1)
	s.start()
	time.Sleep(5 * time.Second)
	rss := proc.RSS([]int{s.cmd.Process.Pid}, "VmRSS")
	row(fmt.Sprintf("hearthd idle RSS with %d files", files), "goal 60 MB", fmt.Sprintf("%.1f MB", float64(rss)/1000),
		60000/float64(rss), 1)
	base := median(func() time.Duration { return timeIt(func() { s.hearthd("", "pool", "jobs") }) })
	status := median(func() time.Duration { return timeIt(func() { s.hearthd("", "pool", "status") }) })
	row(fmt.Sprintf("pool status with %d files, against a trivial command (pool jobs)", files),
		"pool jobs "+dur(base), dur(status), base.Seconds()/status.Seconds(), 0.5)
	// A name in every folder: the first page comes from the start of the index.
	find := median(func() time.Duration {
		return timeIt(func() { s.hearthd("", "file", "find", "-limit", fmt.Sprint(pageSize), "f042") })
	})
	row(fmt.Sprintf("name search, first %d hits of %d, through the command line", pageSize, files/perDir),
		"goal 50ms (pool jobs "+dur(base)+")", dur(find), 0.05/find.Seconds(), 1)
	s.stop()
	s.searchInProcess(files)
}

// searchInProcess times the catalog's name search itself, without the command line's
// start: a name in every folder, and a folder's name found once.
func (s *server) searchInProcess(files int) {
	ctx := context.Background()
	cat, err := catalog.Open(ctx, filepath.Join(s.state, "catalog.db"))
	check(err)
	defer cat.Close()
	for _, q := range []string{"f042", fmt.Sprintf("t%05d", files/perDir/2)} {
		var hits int
		took := median(func() time.Duration {
			return timeIt(func() {
				check(cat.View(ctx, func(tx *catalog.Tx) error {
					found, err := tx.Find(ctx, q, []string{user}, pageSize)
					hits = len(found)
					return err
				}))
			})
		})
		row(fmt.Sprintf("name search in the catalog of %d files, first %d hits for %q (%d found)", files, pageSize, q, hits),
			"goal 50ms", dur(took), 0.05/took.Seconds(), 1)
	}
}

// walks times find with stat over the drives, one after the other and one per drive at
// once, after a walk that warms the cache for everyone alike.
func (s *server) walks() (seq, par time.Duration) {
	find := func(dirs ...string) *exec.Cmd {
		return exec.Command("find", append(dirs, "-printf", "%s %T@\n")...)
	}
	runQuiet(find(s.shares()...))
	seq = median(func() time.Duration { return timeIt(func() { runQuiet(find(s.shares()...)) }) })
	par = median(func() time.Duration {
		return timeIt(func() {
			var cmds []*exec.Cmd
			for _, d := range s.shares() {
				cmds = append(cmds, find(d))
			}
			runAll(cmds)
		})
	})
	return seq, par
}

// catAll reads every file of the drives, one cat per drive at once.
func (s *server) catAll() {
	var cmds []*exec.Cmd
	for _, d := range s.shares() {
		cmds = append(cmds, exec.Command("sh", "-c", `find "$1" -type f -exec cat {} + >/dev/null`, "sh", d))
	}
	runAll(cmds)
}

// rebuild times hearthd pool rebuild, the median of the runs.
func (s *server) rebuild(files int, name string) time.Duration {
	return median(func() time.Duration { return s.rebuildOnce(files, name) })
}

var filesLine = regexp.MustCompile(`Files: ([0-9,]+) files`)

func (s *server) rebuildOnce(files int, name string) time.Duration {
	env := []string{}
	if *cpuProfile != "" {
		env = append(env, "HEARTH_CPUPROFILE="+*cpuProfile+"."+name)
	}
	var out string
	took := timeIt(func() { out = s.hearthdEnv(env, "", "pool", "rebuild") })
	// The catalog set aside by each rebuild is not needed.
	olds, _ := filepath.Glob(filepath.Join(s.state, "catalog.db.before-rebuild-*"))
	for _, o := range olds {
		os.Remove(o)
	}
	m := filesLine.FindStringSubmatch(out)
	if m == nil || strings.ReplaceAll(m[1], ",", "") != fmt.Sprint(files) {
		panic(fmt.Sprintf("the rebuild found other than %d files:\n%s", files, out))
	}
	return took
}

func row(work, peer, hearth string, ratio, goal float64) {
	g := "report"
	if goal > 0 {
		g = fmt.Sprintf("≥ %.2f", goal)
	}
	fmt.Printf("| %s | %s | %s | %.2f× | %s | load %s\n", work, peer, hearth, ratio, g, summary.LoadAverage())
	check(summary.Add(summary.Figure{Work: work, Hearth: hearth, Peer: peer, Ratio: ratio, Goal: goal}))
}

func median(f func() time.Duration) time.Duration {
	var d []time.Duration
	for range *runs {
		d = append(d, f())
	}
	return summary.Median(d)
}

func timeIt(f func()) time.Duration {
	t := time.Now()
	f()
	return time.Since(t)
}

func dur(d time.Duration) string {
	if d < time.Second {
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

func runQuiet(cmd *exec.Cmd) {
	cmd.Stdout = nil
	cmd.Stderr = os.Stderr
	check(cmd.Run())
}

func runAll(cmds []*exec.Cmd) {
	for _, c := range cmds {
		c.Stderr = os.Stderr
		check(c.Start())
	}
	for _, c := range cmds {
		check(c.Wait())
	}
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
