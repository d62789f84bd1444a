package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"github.com/hearth-home/hearth/bench/internal/proc"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sample is one timed command.
type sample struct {
	wall      time.Duration
	rssKB     int64   // peak RSS of the command's process
	cpu       float64 // its user+system seconds
	srvCPU    float64 // the server's CPU seconds meanwhile (Hearth only)
	srvGrowKB int64   // growth of the server's peak RSS over its RSS before (Hearth only)
	srvPeakKB int64   // the server's peak RSS then (Hearth only)
	out       []byte  // what the command wrote on standard output
}

// timed runs cmd under /usr/bin/time and returns its wall time (with a sync after it, so
// data a tool left in the page cache is paid for), peak RSS and CPU time. server holds
// the pids of server processes to watch as well.
func (b *bench) timed(label string, cmd *exec.Cmd, server []int) sample {
	tf := filepath.Join(b.dir, "time.out")
	wrapped := exec.Command("/usr/bin/time", append([]string{"-f", "%M %U %S", "-o", tf, cmd.Path}, cmd.Args[1:]...)...)
	wrapped.Env, wrapped.Dir, wrapped.Stdin = cmd.Env, cmd.Dir, cmd.Stdin
	var stdout, stderr bytes.Buffer
	wrapped.Stdout, wrapped.Stderr = &stdout, &stderr
	exec.Command("sync").Run()
	b.dropCaches()
	before := proc.RSS(server, "VmRSS")
	proc.ResetPeak(server)
	cpu0 := proc.CPUSeconds(server)
	start := time.Now()
	err := b.runCmd(wrapped)
	exec.Command("sync").Run()
	s := sample{wall: time.Since(start), out: stdout.Bytes()}
	b.log(label, cmd, stdout.Bytes(), stderr.Bytes(), s.wall)
	if err != nil {
		b.fail(label, cmd, err, stdout.Bytes(), stderr.Bytes())
	}
	s.srvCPU = proc.CPUSeconds(server) - cpu0
	if len(server) > 0 {
		s.srvPeakKB = proc.RSS(server, "VmHWM")
		s.srvGrowKB = s.srvPeakKB - before
	}
	tb, err := os.ReadFile(tf)
	check(err)
	lines := strings.Split(strings.TrimSpace(string(tb)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	s.rssKB, _ = strconv.ParseInt(f[0], 10, 64)
	u, _ := strconv.ParseFloat(f[1], 64)
	sy, _ := strconv.ParseFloat(f[2], 64)
	s.cpu = u + sy
	fmt.Fprintf(b.logf, "   %s: peak RSS %d KiB, CPU %.2f s; server CPU %.2f s, peak RSS %d KiB (+%d)\n",
		label, s.rssKB, s.cpu, s.srvCPU, s.srvPeakKB, s.srvGrowKB)
	return s
}

// quiet runs an untimed setup command and fails loudly if it fails.
func (b *bench) quiet(label string, cmd *exec.Cmd) []byte {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := b.runCmd(cmd)
	b.log(label, cmd, stdout.Bytes(), stderr.Bytes(), time.Since(start))
	if err != nil {
		b.fail(label, cmd, err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.Bytes()
}

// fail stops the benchmark on a command that failed, with what it said; a command killed
// because the benchmark was interrupted is no failure, and the signal handler exits.
func (b *bench) fail(label string, cmd *exec.Cmd, err error, stdout, stderr []byte) {
	if b.stopping.Load() {
		select {}
	}
	panic(fmt.Sprintf("%s: %s: %v\n%s%s", label, strings.Join(cmd.Args, " "), err, tail(stdout), tail(stderr)))
}

func (b *bench) log(label string, cmd *exec.Cmd, stdout, stderr []byte, took time.Duration) {
	fmt.Fprintf(b.logf, "== %s: %s (%s)\n%s%s\n", label, strings.Join(cmd.Args, " "), took.Round(time.Millisecond), tail(stdout), tail(stderr))
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// dropCaches empties the page cache when that is allowed (root, writable /proc/sys).
func (b *bench) dropCaches() {
	if b.drop {
		exec.Command("sync").Run()
		check(os.WriteFile("/proc/sys/vm/drop_caches", []byte("3"), 0))
	}
}

func canDropCaches() bool {
	return os.Geteuid() == 0 && os.WriteFile("/proc/sys/vm/drop_caches", []byte("1"), 0) == nil
}

// dirSize is the apparent size of the regular files under dir, like du -sb.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// verify checks that root holds exactly the first PC's files with their sizes and, when
// content is set, their checksums.
func verify(root string, ds *dataset, content bool) error {
	want := make(map[string]*fileSpec, len(ds.Files))
	for i := range ds.Files {
		want[ds.Files[i].Path] = &ds.Files[i]
	}
	seen := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f, ok := want[filepath.ToSlash(rel)]
		if !ok {
			return fmt.Errorf("unexpected file %s", rel)
		}
		seen++
		return checkFile(p, f, content)
	})
	if err == nil && seen != len(ds.Files) {
		err = fmt.Errorf("%d files restored, want %d", seen, len(ds.Files))
	}
	return err
}

func checkFile(p string, f *fileSpec, content bool) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.Size() != f.Size {
		return fmt.Errorf("%s: %d bytes, want %d", f.Path, fi.Size(), f.Size)
	}
	if !content {
		return nil
	}
	r, err := os.Open(p)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	if !bytes.Equal(h.Sum(nil), f.Sum[:]) {
		return fmt.Errorf("%s: content differs", f.Path)
	}
	return nil
}

// restoredRoot finds where a tool put the data folder inside out: tools that keep
// absolute paths recreate them under out, others put the folder's contents in out.
func restoredRoot(out, data string, ds *dataset) string {
	for _, c := range []string{filepath.Join(out, data), filepath.Join(out, filepath.Base(data)), out} {
		if _, err := os.Stat(filepath.Join(c, ds.Files[0].Path)); err == nil {
			return c
		}
	}
	return out
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
