// Command serverbackupbench compares Hearth's server backup (issue 23: the shares to a
// folder on an external drive) with restic and kopia backing up the same files to the
// same disk: the first backup and a rerun with nothing changed, wall time and peak
// memory, and the repository's size. All three encrypt (Hearth with -encrypt).
//
// Hearth's side is the real hearthd on a pool of one drive: the files are placed in a
// share and the pool rebuilt (adopting them), then "hearthd serverbackup run" backs the
// share up through the pool's verified reads, as the daily run does. restic and kopia
// read the share's folder on the drive directly.
//
//	go run ./bench/serverbackupbench                              # 1 GiB, 10000 files, 3 runs
//	go run ./bench/serverbackupbench -size-mb 50 -files 500 -runs 1   # a quick look
//
// Timings are medians over the runs; compare ratios of one run, never use them as tests.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

var (
	sizeMB = flag.Int("size-mb", envInt("SBACKUPBENCH_SIZE_MB", 1024), "size of the dataset in MiB")
	files  = flag.Int("files", envInt("SBACKUPBENCH_FILES", 10000), "files in the dataset")
	runs   = flag.Int("runs", envInt("SBACKUPBENCH_RUNS", 3), "runs of every measurement (medians are reported)")
	kopiaF = flag.String("kopia", "", "the kopia binary (default: kopia on the PATH, else the one backupbench built into the user's cache)")
	keep   = flag.Bool("keep", false, "keep the work folder (its commands.log says what ran)")
)

const password = "bench-password-1"

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "serverbackupbench:", err)
		os.Exit(1)
	}
}

// sample is one timed command.
type sample struct {
	wall  time.Duration
	rssKB int64
}

// tool is one backup program: setup makes an empty repository in ws for the files in
// data and returns the command that backs them up, and the repository's folder.
type tool struct {
	name, version string
	setup         func(ws, data string) (backup func() *exec.Cmd, repo string)
}

type result struct {
	first, rerun []sample
	size         int64
}

var logf *os.File

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("/var/tmp", "serverbackupbench-")
	check(err)
	if !*keep {
		defer os.RemoveAll(dir)
	}
	logf, err = os.Create(filepath.Join(dir, "commands.log"))
	check(err)
	defer logf.Close()
	bin := filepath.Join(dir, "hearthd")
	build := exec.Command("go", "build", "-o", bin, "./server")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	check(build.Run())

	tools := []tool{hearthTool(bin)}
	var skipped []string
	if t, ok := resticTool(); ok {
		tools = append(tools, t)
	} else {
		skipped = append(skipped, "restic is not installed (make bench-deps installs it)")
	}
	if t, ok := kopiaTool(*kopiaF); ok {
		tools = append(tools, t)
	} else {
		skipped = append(skipped, "kopia was not found (run make bench once: backupbench builds it)")
	}
	results := map[string]*result{}
	for r := range *runs {
		for k := range tools {
			t := tools[(k+r)%len(tools)] // each run starts from another tool
			ws := filepath.Join(dir, fmt.Sprintf("%s-%d", t.name, r+1))
			check(os.MkdirAll(ws, 0o755))
			data := filepath.Join(ws, "files")
			check(generate(data, int64(*sizeMB)<<20, *files))
			backup, repo := t.setup(ws, data)
			res := results[t.name]
			if res == nil {
				res = &result{}
				results[t.name] = res
			}
			res.first = append(res.first, timed(t.name+" first backup", backup()))
			res.rerun = append(res.rerun, timed(t.name+" no-change rerun", backup()))
			res.size = dirSize(repo)
			check(os.RemoveAll(ws))
		}
	}
	report(tools, skipped, results)
}

// generate writes n files of about size bytes in all under dir: half random (photos,
// videos: incompressible), half text-like, in folders of 100, the same for every tool.
func generate(dir string, size int64, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	each := max(size/int64(max(n, 1)), 1)
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("folder-%03d", i/100))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return err
		}
		b := make([]byte, rng.Int64N(2*each)+1)
		if i%2 == 0 {
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
		} else {
			words := []string{"the ", "family ", "photo ", "of ", "a ", "holiday ", "in ", "2026\n"}
			for j := 0; j < len(b); {
				j += copy(b[j:], words[rng.IntN(len(words))])
			}
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("file-%05d", i)), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// quiet runs an untimed setup command and stops the bench if it fails.
func quiet(cmd *exec.Cmd) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	fmt.Fprintf(logf, "$ %s\n", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		check(fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out.String()))
	}
	logf.Write(out.Bytes())
}

// timed runs cmd under /usr/bin/time for its peak memory, after a sync, and checks it
// succeeded.
func timed(label string, cmd *exec.Cmd) sample {
	tf, err := os.CreateTemp("", "time-")
	check(err)
	tf.Close()
	defer os.Remove(tf.Name())
	wrapped := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", tf.Name(), cmd.Path}, cmd.Args[1:]...)...)
	wrapped.Env, wrapped.Stdin = cmd.Env, cmd.Stdin
	var out bytes.Buffer
	wrapped.Stdout, wrapped.Stderr = &out, &out
	exec.Command("sync").Run()
	fmt.Fprintf(os.Stderr, "%s ...", label)
	start := time.Now()
	err = wrapped.Run()
	s := sample{wall: time.Since(start)}
	fmt.Fprintf(logf, "$ %s  (%s)\n%s", strings.Join(cmd.Args, " "), s.wall, out.String())
	if err != nil {
		check(fmt.Errorf("%s failed: %w\n%s", label, err, out.String()))
	}
	b, err := os.ReadFile(tf.Name())
	check(err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	s.rssKB, _ = strconv.ParseInt(lines[len(lines)-1], 10, 64)
	fmt.Fprintf(os.Stderr, " %s, peak RSS %d MiB\n", s.wall.Round(time.Millisecond), s.rssKB>>10)
	return s
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
