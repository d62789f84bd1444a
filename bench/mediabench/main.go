// Command mediabench compares Hearth's media server for the TVs with minidlna on the same
// pictures: how long each takes before the TVs see a library of -n files put on the disk
// by hand (minidlna's first scan, Hearth's index rebuilt from the drive; files written
// through Hearth need neither), how long a Browse of a folder of -big items takes (the
// whole folder, and a TV's first page of 50), and each server's memory once idle.
//
// Run it as root inside a network namespace of its own (make bench does), so that
// neither server's SSDP reaches the machine's network.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/huin/goupnp/dcps/av1"

	"github.com/hearth-home/hearth/bench/internal/proc"
	"github.com/hearth-home/hearth/bench/internal/summary"
)

var (
	files  = flag.Int("n", 30000, "pictures in the library")
	big    = flag.Int("big", 5000, "pictures in the one large folder (part of -n)")
	runs   = flag.Int("runs", 5, "browses of each kind, the median reported")
	binArg = flag.String("bin", "", "a hearthd to measure (default: build ./server)")
)

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("/var/tmp", "hearth-mediabench-")
	check(err)
	defer os.RemoveAll(dir)
	bin := *binArg
	if bin == "" {
		bin = filepath.Join(dir, "hearthd")
		build := exec.Command("go", "build", "-o", bin, "./server")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		check(build.Run())
	}
	h := &hearth{bin: bin, state: filepath.Join(dir, "state"), dir: dir}
	h.setup()
	pictures := filepath.Join(h.state, "drives", "drive1", "Shares", "Pictures")
	fmt.Fprintf(os.Stderr, "making %d pictures\n", *files)
	fill(pictures, *files, *big)

	t := time.Now()
	h.cli("pool", "rebuild")
	hearthReady := time.Since(t)
	h.start()
	hearthBrowse := browseTimes(h.media, "Pictures/big")
	hearthRSS := mb(proc.RSS([]int{h.cmd.Process.Pid}, "VmRSS"))
	h.stop()

	m := &minidlna{dir: filepath.Join(dir, "minidlna"), media: pictures}
	minidlnaReady := m.start()
	id := m.find("big")
	minidlnaBrowse := browseTimes(m.url, id)
	minidlnaRSS := mb(proc.RSS([]int{m.cmd.Process.Pid}, "VmRSS"))
	m.stop()

	fmt.Printf("\n| %d pictures, a folder of %d | Hearth | minidlna | ratio |\n|---|---|---|---|\n", *files, *big)
	row := func(work, hearthText, peerText string, ratio float64) {
		fmt.Printf("| %s | %s | %s | %.2f |\n", work, hearthText, peerText, ratio)
		check(summary.Add(summary.Figure{Work: "media: " + work, Hearth: hearthText, Peer: "minidlna " + peerText, Ratio: ratio}))
	}
	row("ready for the TVs after the files were put on the disk (Hearth: index rebuilt; minidlna: first scan)",
		hearthReady.Round(10*time.Millisecond).String(), minidlnaReady.Round(10*time.Millisecond).String(), minidlnaReady.Seconds()/hearthReady.Seconds())
	for i, what := range []string{"Browse of its first 50 items, the first time (Hearth: nothing kept, as after a change)",
		"Browse of its first 50 items, again", "Browse of the whole folder (pages of 500)"} {
		row(what, hearthBrowse[i].Round(time.Millisecond).String(), minidlnaBrowse[i].Round(time.Millisecond).String(),
			minidlnaBrowse[i].Seconds()/hearthBrowse[i].Seconds())
	}
	row("memory once idle (Hearth: the whole server)", fmt.Sprintf("%.0f MB", hearthRSS), fmt.Sprintf("%.0f MB", minidlnaRSS), minidlnaRSS/hearthRSS)
	fmt.Println("\nFiles written through Hearth (WebDAV, the console, the commands) are in the TVs' next listing at once: no scan at all.")
}

// browseTimes are the times of Browses of the folder id: its first 50 items, a TV's
// first screen, the first time it is asked (Hearth keeps a folder's listing until the
// pool changes, so this is what a TV sees after a change) and the median of -runs; and
// the median of -runs of all of it, in pages of 500 as a control point asks for a long
// folder.
func browseTimes(root, id string) [3]time.Duration {
	loc, err := url.Parse(root + "/rootDesc.xml")
	check(err)
	cds, err := av1.NewContentDirectory1ClientsByURL(loc)
	check(err)
	if len(cds) == 0 {
		panic("no ContentDirectory at " + root)
	}
	cd := cds[0]
	var out [3]time.Duration
	for i, pages := range []int{50, *big} {
		var ds []time.Duration
		for range *runs {
			t := time.Now()
			got := 0
			for got < pages {
				_, n, _, _, err := cd.Browse(id, "BrowseDirectChildren", "*", uint32(got), uint32(min(500, pages-got)), "")
				check(err)
				if n == 0 {
					break
				}
				got += int(n)
			}
			ds = append(ds, time.Since(t))
			if got != pages {
				panic(fmt.Sprintf("browse %s at %s: %d items, want %d", id, root, got, pages))
			}
		}
		if i == 0 {
			out[0] = ds[0]
		}
		slices.Sort(ds)
		out[i+1] = ds[len(ds)/2]
	}
	return out
}

// fill makes n small pictures, big of them in one folder and the rest in folders of
// 1,000.
func fill(dir string, n, big int) {
	var buf bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	for i := range n {
		folder := "big"
		if i >= big {
			folder = fmt.Sprintf("album-%03d", (i-big)/1000)
		}
		img.SetGray(i%16, (i/16)%16, color.Gray{Y: uint8(i)})
		buf.Reset()
		check(jpeg.Encode(&buf, img, nil))
		p := filepath.Join(dir, folder, fmt.Sprintf("picture-%06d.jpg", i))
		check(os.MkdirAll(filepath.Dir(p), 0o755))
		check(os.WriteFile(p, buf.Bytes(), 0o644))
	}
}

type hearth struct {
	bin, state, dir string
	media           string // http://host:port of its media server
	cmd             *exec.Cmd
}

// setup makes the pool (with the family's shares) and stops.
func (h *hearth) setup() {
	h.start()
	h.stop()
}

func (h *hearth) start() {
	port, err := proc.FreePort()
	check(err)
	web, err := proc.FreePort()
	check(err)
	h.media = fmt.Sprintf("http://127.0.0.1:%d", port)
	h.cmd = exec.Command(h.bin, "-state", h.state, "run", "-listen", fmt.Sprintf("127.0.0.1:%d", web), "-http", "off",
		"-announce=false", "-media", fmt.Sprintf("127.0.0.1:%d", port))
	log, err := os.OpenFile(filepath.Join(h.dir, "hearthd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	check(err)
	h.cmd.Stdout, h.cmd.Stderr = log, log
	check(h.cmd.Start())
	waitFor(h.media + "/rootDesc.xml")
}

func (h *hearth) stop() { stop(h.cmd) }

func (h *hearth) cli(args ...string) string {
	out, err := exec.Command(h.bin, append([]string{"-state", h.state}, args...)...).CombinedOutput()
	if err != nil {
		panic(fmt.Sprintf("hearthd %v: %v\n%s", args, err, out))
	}
	return string(out)
}

type minidlna struct {
	dir, media, url string
	cmd             *exec.Cmd
}

// start runs minidlna on the pictures and returns how long its first scan took (until
// it logs that the scan finished).
func (m *minidlna) start() time.Duration {
	check(os.MkdirAll(filepath.Join(m.dir, "db"), 0o755))
	port, err := proc.FreePort()
	check(err)
	m.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	conf := filepath.Join(m.dir, "minidlna.conf")
	check(os.WriteFile(conf, []byte(fmt.Sprintf("media_dir=P,%s\ndb_dir=%s\nlog_dir=%s\nport=%d\nnetwork_interface=lo\ninotify=no\nfriendly_name=peer\n",
		m.media, filepath.Join(m.dir, "db"), m.dir, port)), 0o644))
	m.cmd = exec.Command("minidlnad", "-f", conf, "-P", filepath.Join(m.dir, "minidlna.pid"), "-S", "-R")
	t := time.Now()
	check(m.cmd.Start())
	logFile := filepath.Join(m.dir, "minidlna.log")
	for {
		b, _ := os.ReadFile(logFile)
		if bytes.Contains(b, []byte("finished (")) {
			return time.Since(t)
		}
		if time.Since(t) > time.Hour {
			panic("minidlna's scan did not finish:\n" + string(b))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// find returns the object id of the folder titled name, looking down from the root.
func (m *minidlna) find(name string) string {
	loc, err := url.Parse(m.url + "/rootDesc.xml")
	check(err)
	waitFor(loc.String())
	cds, err := av1.NewContentDirectory1ClientsByURL(loc)
	check(err)
	queue := []string{"0"}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		res, _, _, _, err := cds[0].Browse(id, "BrowseDirectChildren", "*", 0, 0, "")
		check(err)
		for _, c := range containers(res) {
			if c[1] == name {
				return c[0]
			}
			queue = append(queue, c[0])
		}
	}
	panic("minidlna has no folder " + name)
}

// containers are the (id, title) of the containers of a DIDL-Lite listing.
func containers(didl string) [][2]string {
	var out [][2]string
	for _, part := range strings.Split(didl, "<container ")[1:] {
		id := between(part, `id="`, `"`)
		title := between(part, "<dc:title>", "</dc:title>")
		out = append(out, [2]string{id, title})
	}
	return out
}

func between(s, from, to string) string {
	_, s, _ = strings.Cut(s, from)
	s, _, _ = strings.Cut(s, to)
	return s
}

func (m *minidlna) stop() { stop(m.cmd) }

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// waitFor polls a URL until it answers 200.
func waitFor(u string) {
	for i := 0; i < 1200; i++ {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	panic("no answer at " + u)
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

func check(err error) {
	if err != nil {
		panic(err)
	}
}
