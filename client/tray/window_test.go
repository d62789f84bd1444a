package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// window waits for a visible window of that title and returns its X id.
func (d *desktop) window(title string) string {
	d.t.Helper()
	var id string
	pooltest.Eventually(d.t, 30*time.Second, "the "+title+" window", func() bool {
		ids := d.windows(title)
		if len(ids) == 0 {
			return false
		}
		id = ids[len(ids)-1]
		return true
	})
	return id
}

// windows are the visible windows of that title.
func (d *desktop) windows(title string) []string {
	testenv.NeedTool(d.t, "xdotool")
	out, _ := d.command("xdotool", "search", "--onlyvisible", "--name", "^"+title+"$").Output()
	return strings.Fields(string(out))
}

// command is a tool run on the desktop, ended if it takes longer than a tool should.
func (d *desktop) command(name string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(d.t.Context(), 30*time.Second)
	d.t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = d.env
	return cmd
}

// word is a word read off a window, with its middle in the window's pixels.
type word struct {
	text string
	x, y int
}

// read reads the words in window win as a person would, by optical character
// recognition (tesseract), and keeps the window's picture as name.
func (d *desktop) read(win, name string) []word {
	d.t.Helper()
	testenv.NeedTool(d.t, "tesseract")
	path := filepath.Join(d.t.ArtifactDir(), name)
	if out, err := d.command("import", "-window", win, path).CombinedOutput(); err != nil {
		d.t.Fatalf("picture of window %s: %v %s", win, err, out)
	}
	out, err := d.command("tesseract", path, "stdout", "tsv").Output()
	if err != nil {
		d.t.Fatalf("tesseract: %v", err)
	}
	var words []word
	for l := range strings.Lines(string(out)) {
		// level page block paragraph line word left top width height confidence text
		f := strings.Split(strings.TrimRight(l, "\n"), "\t")
		if len(f) != 12 || strings.TrimSpace(f[11]) == "" {
			continue
		}
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(f[6+i])
		}
		words = append(words, word{text: strings.TrimSpace(f[11]), x: n[0] + n[2]/2, y: n[1] + n[3]/2})
	}
	return words
}

// find is the first word that contains text.
func find(words []word, text string) (word, bool) {
	for _, w := range words {
		if strings.Contains(w.text, text) {
			return w, true
		}
	}
	return word{}, false
}

// doubleClick double-clicks at w in window win, as a person with a mouse does.
func (d *desktop) doubleClick(win string, w word) {
	d.t.Helper()
	cmd := d.command("xdotool", "mousemove", "--window", win, strconv.Itoa(w.x), strconv.Itoa(w.y),
		"click", "--repeat", "2", "--delay", "120", "1")
	if out, err := cmd.CombinedOutput(); err != nil {
		d.t.Fatalf("double click on %q: %v %s", w.text, err, out)
	}
}

func texts(words []word) string {
	var out []string
	for _, w := range words {
		out = append(out, w.text)
	}
	return strings.Join(out, " ")
}

// startNotifications runs dunst, a desktop's notification service, on the test's bus.
func (d *desktop) startNotifications() {
	d.t.Helper()
	testenv.NeedTool(d.t, "dunst")
	testenv.NeedTool(d.t, "dunstctl")
	d.start(exec.Command("dunst"))
	pooltest.Eventually(d.t, 20*time.Second, "the notification service", func() bool {
		return d.command("dunstctl", "is-paused").Run() == nil
	})
}

// notifications are the titles of the notifications shown so far, read from the
// notification service's history once they are all closed.
func (d *desktop) notifications() []string {
	d.t.Helper()
	var titles []string
	for _, n := range d.notices() {
		titles = append(titles, n.title)
	}
	return titles
}

// notice is a notification as the notification service shows it.
type notice struct{ title, body string }

// notices are the notifications shown so far, read from the notification service's
// history once they are all closed.
func (d *desktop) notices() []notice {
	d.t.Helper()
	if out, err := d.command("dunstctl", "close-all").CombinedOutput(); err != nil {
		d.t.Fatalf("dunstctl close-all: %v %s", err, out)
	}
	out, err := d.command("dunstctl", "history").Output()
	if err != nil {
		d.t.Fatalf("dunstctl history: %v", err)
	}
	var h struct {
		Data [][]struct {
			Summary struct{ Data string } `json:"summary"`
			Body    struct{ Data string } `json:"body"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &h); err != nil {
		d.t.Fatalf("dunstctl history: %v\n%s", err, out)
	}
	var all []notice
	for _, list := range h.Data {
		for _, n := range list {
			all = append(all, notice{n.Summary.Data, n.Body.Data})
		}
	}
	return all
}
