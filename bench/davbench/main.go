// Command davbench measures Hearth's WebDAV drive against Apache mod_dav and rclone serve
// webdav on the same machine and filesystem, side by side in one run: PUT and GET of a
// large file (speed and server CPU seconds per GiB) and PROPFIND Depth 1 of a folder of
// many files (time, and Hearth's peak memory). All three serve HTTPS with Basic auth.
// PUT is also compared with a plain durable copy on the same filesystem.
package main

import (
	"bytes"
	"crypto/rand"
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
	"time"

	"github.com/hearth-home/hearth/bench/internal/proc"
	"github.com/hearth-home/hearth/bench/internal/summary"
)

var (
	dirFlag = flag.String("dir", "", "where to work (default: a folder under /var/tmp)")
	sizeMB  = flag.Int("size-mb", 1024, "size of the large file in MiB")
	many    = flag.Int("many", 50000, "entries in the PROPFIND folder")
	only    = flag.String("only", "", "run only these servers, comma-separated (hearth, apache, rclone)")
)

const user, pass = "bench", "bench-password"

// server is a WebDAV server under test, in its own processes.
type server struct {
	name string
	pass string // the password (or device token) the client signs in with
	url  string // the WebDAV folder the test works in, ending in /
	// many is the folder on disk the server shows as url+"many/".
	many string
	// twice, when set, is a WebDAV folder whose files keep two copies on one disk.
	twice string
	pids  func() []int
	stop  func()
}

type result struct {
	put, get, propfind time.Duration
	putTwice           time.Duration // the same PUT into a share with two copies
	putCPU, getCPU     float64       // server CPU seconds per GiB
	propfindCPU        float64
	peakMB             float64 // growth of peak RSS during the PROPFIND (Hearth only)
	peakAbsMB          float64 // peak RSS of the whole process then
}

func main() {
	flag.Parse()
	dir := *dirFlag
	if dir == "" {
		d, err := os.MkdirTemp("/var/tmp", "davbench-")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	}
	os.Chmod(dir, 0o755)
	certs := makeCert(dir)
	size := int64(*sizeMB) << 20
	fmt.Printf("davbench in %s, %s: a %d MiB file, a folder of %d entries\n\n", dir, time.Now().Format(time.RFC3339), *sizeMB, *many)

	plain := timeIt(func() { plainCopy(filepath.Join(dir, "plain.bin"), size, true) })
	os.Remove(filepath.Join(dir, "plain.bin"))
	plainNoSync := timeIt(func() { plainCopy(filepath.Join(dir, "plain.bin"), size, false) })
	os.Remove(filepath.Join(dir, "plain.bin"))

	results := map[string]result{}
	var order []string
	for _, c := range []struct {
		name  string
		start func(string, tlsFiles) *server
	}{{"hearth", startHearth}, {"apache", startApache}, {"rclone", startRclone}} {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), c.name) {
			continue
		}
		s := c.start(dir, certs)
		results[s.name] = measure(s, size)
		order = append(order, s.name)
		s.stop()
	}

	gib := float64(size) / (1 << 30)
	mbs := func(d time.Duration) string { return fmt.Sprintf("%.0f MB/s", float64(size)/1e6/d.Seconds()) }
	fmt.Println("| work | " + strings.Join(order, " | ") + " |")
	fmt.Println("|---" + strings.Repeat("|---", len(order)) + "|")
	row := func(label string, f func(r result) string) {
		cells := []string{label}
		for _, n := range order {
			cells = append(cells, f(results[n]))
		}
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
	row(fmt.Sprintf("PUT %.1f GiB", gib), func(r result) string { return mbs(r.put) })
	row(fmt.Sprintf("PUT %.1f GiB, two copies on one disk", gib), func(r result) string {
		if r.putTwice == 0 {
			return "-"
		}
		return mbs(r.putTwice)
	})
	row("PUT server CPU s/GiB", func(r result) string { return fmt.Sprintf("%.2f", r.putCPU) })
	row(fmt.Sprintf("GET %.1f GiB", gib), func(r result) string { return mbs(r.get) })
	row("GET server CPU s/GiB", func(r result) string { return fmt.Sprintf("%.2f", r.getCPU) })
	row(fmt.Sprintf("PROPFIND Depth 1, %d entries", *many), func(r result) string { return r.propfind.Round(time.Millisecond).String() })
	row("PROPFIND server CPU s", func(r result) string { return fmt.Sprintf("%.2f", r.propfindCPU) })
	row("PROPFIND peak memory growth", func(r result) string {
		if r.peakMB == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f MB (peak RSS %.0f MB)", r.peakMB, r.peakAbsMB)
	})
	fmt.Println()
	fmt.Printf("plain copy of %.1f GiB on the same filesystem: %s with fsync, %s without\n\n", gib, mbs(plain), mbs(plainNoSync))
	h, ok := results["hearth"]
	if !ok {
		return
	}
	fmt.Println("| ratio | value | target |")
	fmt.Println("|---|---|---|")
	// Each ratio is also added to make bench's summary, above 1 when Hearth is ahead.
	ratio := func(what, hearth, peer string, r, goal float64) {
		target := ""
		if goal > 0 {
			target = fmt.Sprintf("≥ %.2g×", goal)
		}
		fmt.Printf("| Hearth %s / %s | %.2f× | %s |\n", what, strings.Fields(peer)[0], r, target)
		check(summary.Add(summary.Figure{Work: "WebDAV " + what, Hearth: hearth, Peer: peer, Ratio: r, Goal: goal}))
	}
	ratio(fmt.Sprintf("PUT %.1f GiB, 1 copy", gib), mbs(h.put), "plain fsynced copy "+mbs(plain), plain.Seconds()/h.put.Seconds(), 0.9)
	ratio(fmt.Sprintf("PUT %.1f GiB, 2 copies on one disk", gib), mbs(h.putTwice), "plain fsynced copy "+mbs(plain), plain.Seconds()/h.putTwice.Seconds(), 0.45)
	if a, ok := results["apache"]; ok {
		ratio(fmt.Sprintf("GET %.1f GiB (verified)", gib), mbs(h.get), "Apache "+mbs(a.get), a.get.Seconds()/h.get.Seconds(), 0.9)
		ratio(fmt.Sprintf("PROPFIND Depth 1, %d entries", *many), h.propfind.Round(time.Millisecond).String(), "Apache "+a.propfind.Round(time.Millisecond).String(), a.propfind.Seconds()/h.propfind.Seconds(), 1)
	}
	if r, ok := results["rclone"]; ok {
		ratio(fmt.Sprintf("GET %.1f GiB (verified)", gib), mbs(h.get), "rclone "+mbs(r.get), r.get.Seconds()/h.get.Seconds(), 0)
		ratio(fmt.Sprintf("PROPFIND Depth 1, %d entries", *many), h.propfind.Round(time.Millisecond).String(), "rclone (x/net/webdav) "+r.propfind.Round(time.Millisecond).String(), r.propfind.Seconds()/h.propfind.Seconds(), 1)
	}
	fmt.Printf("| Hearth PROPFIND peak memory growth | %.1f MB | < 32 MB |\n", h.peakMB)
	check(summary.Add(summary.Figure{Work: fmt.Sprintf("WebDAV PROPFIND Depth 1, %d entries: peak memory growth (goal < 32 MB)", *many),
		Hearth: fmt.Sprintf("%.1f MB", h.peakMB), Peer: "bound 32 MB", Ratio: 32 / max(h.peakMB, 0.1), Goal: 1}))
}

func measure(s *server, size int64) result {
	c := client()
	var r result
	var cpu float64
	// The PROPFIND runs first, on a server that has done nothing else yet, so its memory
	// is measured from idle.
	fmt.Fprintf(os.Stderr, "%s: PROPFIND\n", s.name)
	// One small request first, so the PROPFIND's memory is not the first connection's.
	warm, _ := http.NewRequest("PROPFIND", s.url, nil)
	warm.Header.Set("Depth", "0")
	warm.SetBasicAuth(user, s.pass)
	if resp, err := c.Do(warm); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	pids := s.pids()
	before := proc.RSS(pids, "VmRSS")
	proc.ResetPeak(pids)
	cpu = proc.CPUSeconds(pids)
	var entries int
	r.propfind = timeIt(func() {
		req, _ := http.NewRequest("PROPFIND", s.url+"many/", strings.NewReader(`<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`))
		req.Header.Set("Depth", "1")
		req.SetBasicAuth(user, s.pass)
		resp, err := c.Do(req)
		check(err)
		b, err := io.ReadAll(resp.Body)
		check(err)
		resp.Body.Close()
		entries = bytes.Count(b, []byte("<D:response")) + bytes.Count(b, []byte("<d:response")) + bytes.Count(b, []byte("<lp1:response"))
	})
	r.propfindCPU = proc.CPUSeconds(pids) - cpu
	if s.name == "hearth" {
		r.peakMB = float64(proc.RSS(pids, "VmHWM")-before) / 1024
		r.peakAbsMB = float64(proc.RSS(pids, "VmHWM")) / 1024
	}
	if entries < *many {
		panic(fmt.Sprintf("%s listed %d entries, want %d", s.name, entries, *many+1))
	}
	fmt.Fprintf(os.Stderr, "%s: PUT\n", s.name)
	cpu = proc.CPUSeconds(s.pids())
	r.put = timeIt(func() { put(c, s, s.url+"big.bin", size) })
	gib := float64(size) / (1 << 30)
	r.putCPU = (proc.CPUSeconds(s.pids()) - cpu) / gib
	if s.twice != "" {
		fmt.Fprintf(os.Stderr, "%s: PUT, two copies\n", s.name)
		r.putTwice = timeIt(func() { put(c, s, s.twice+"big.bin", size) })
	}
	fmt.Fprintf(os.Stderr, "%s: GET\n", s.name)
	cpu = proc.CPUSeconds(s.pids())
	r.get = timeIt(func() {
		req, _ := http.NewRequest("GET", s.url+"big.bin", nil)
		req.SetBasicAuth(user, s.pass)
		resp, err := c.Do(req)
		check(err)
		n, err := io.Copy(io.Discard, resp.Body)
		check(err)
		resp.Body.Close()
		if n != size {
			panic(fmt.Sprintf("%s GET: %d bytes, want %d", s.name, n, size))
		}
	})
	r.getCPU = (proc.CPUSeconds(s.pids()) - cpu) / gib
	return r
}

// put uploads size bytes of the pattern to url.
func put(c *http.Client, s *server, url string, size int64) {
	req, _ := http.NewRequest("PUT", url, &pattern{left: size})
	req.ContentLength = size
	req.SetBasicAuth(user, s.pass)
	resp, err := c.Do(req)
	check(err)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		panic(fmt.Sprintf("%s PUT %s: %s", s.name, url, resp.Status))
	}
}

// pattern is size bytes of a repeating random block, so the client costs little.
type pattern struct{ left, off int64 }

var block = func() []byte { b := make([]byte, 1<<20); rand.Read(b); return b }()

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := copy(b, block[p.off%int64(len(block)):])
	n = int(min(int64(n), p.left))
	p.left -= int64(n)
	p.off += int64(n)
	return n, nil
}

func plainCopy(path string, size int64, sync bool) {
	f, err := os.Create(path)
	check(err)
	_, err = io.Copy(f, &pattern{left: size})
	check(err)
	if sync {
		check(f.Sync())
	}
	check(f.Close())
}

func client() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableCompression: true}}
}

func timeIt(f func()) time.Duration {
	exec.Command("sync").Run()
	t := time.Now()
	f()
	return time.Since(t)
}

// waitUp waits until url answers anything.
func waitUp(url string) {
	c := client()
	for i := 0; i < 600; i++ {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	panic("server at " + url + " did not start")
}

// fillMany makes n small files in dir.
func fillMany(dir string, n int) {
	check(os.MkdirAll(dir, 0o755))
	for i := range n {
		check(os.WriteFile(filepath.Join(dir, fmt.Sprintf("file-%06d.txt", i)), []byte("x"), 0o644))
	}
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
