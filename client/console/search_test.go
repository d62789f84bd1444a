package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// familyFiles puts files on the real server for mum's PC to search: in shares she may
// change and read, and in dad's own folder, which she may not open. Their dates are
// fixed, so the page can be compared with its golden image.
func familyFiles(t *testing.T) (*apptest.Server, connector.Config) {
	t.Helper()
	s, cfg := joinedPC(t)
	s.AddUser("dad", "battery staple", false)
	s.SetAccess("dad", "mum", "none")
	ctx := context.Background()
	when := time.Date(2026, 8, 14, 16, 20, 0, 0, time.Local)
	for _, d := range []string{"Public/Holiday", "Public/Beach trips", "mum/Letters", "dad/Beach plans"} {
		if _, err := s.Admin().Mkdir(ctx, d, when); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range []string{
		"Public/Holiday/beach 2026.jpg",
		"Public/Holiday/Beachball.png",
		"mum/Letters/beach house.txt",
		"Software/Beach game setup.exe",
		"dad/beach secret.txt",
		"dad/Beach plans/list.txt",
	} {
		data := strings.Repeat("x", 1000*(i+1))
		if _, err := s.Admin().Put(ctx, p, strings.NewReader(data), int64(len(data)), when.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return s, cfg
}

func hitPaths(p *filesPage) []string {
	var out []string
	for _, h := range p.hits {
		out = append(out, h.Path)
	}
	slices.Sort(out)
	return out
}

// hitAt is the place of the hit of that path in the Files page's search results.
func hitAt(t *testing.T, p *filesPage, path string) int {
	t.Helper()
	for i, h := range p.hits {
		if h.Path == path {
			return i
		}
	}
	t.Fatalf("no %s among %v (%s)", path, hitPaths(p), p.status.Text)
	return -1
}

// searchFor types q in the Files page's search field and presses Enter, as a person
// does, then waits for the answer.
func searchFor(c *console, q string) {
	p := c.files
	p.search.SetText("")
	test.Type(p.search, q)
	p.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.work.wait()
}

// TestFilesPageSearchFollowsAccess: the search field finds files and folders by a
// fragment of their names (any case, anywhere in the name; two letters find names that
// start with them) in every share mum may read, and never in dad's folder, which she may
// not; what mum may not see is not even counted.
func TestFilesPageSearchFollowsAccess(t *testing.T) {
	_, cfg := familyFiles(t)
	c := filesOf(t, cfg)
	p := c.files
	for _, tc := range []struct {
		q      string
		want   []string
		status string
	}{
		{"EACH", []string{"Public/Beach trips", "Public/Holiday/Beachball.png", "Public/Holiday/beach 2026.jpg", "Software/Beach game setup.exe", "mum/Letters/beach house.txt"}, "5 found."},
		{"ball", []string{"Public/Holiday/Beachball.png"}, "1 found."},
		{"be", []string{"Public/Beach trips", "Public/Holiday/Beachball.png", "Public/Holiday/beach 2026.jpg", "Software/Beach game setup.exe", "mum/Letters/beach house.txt"}, "5 found."},
		{"secret", nil, "Nothing you may open has “secret” in its name."},
		{"plans", nil, "Nothing you may open has “plans” in its name."},
	} {
		searchFor(c, tc.q)
		if got := hitPaths(p); !slices.Equal(got, tc.want) || !strings.HasPrefix(p.status.Text, tc.status) {
			t.Errorf("search for %q: %v (%s), want %v (%s)", tc.q, got, p.status.Text, tc.want, tc.status)
		}
		for _, h := range p.hits {
			if strings.HasPrefix(h.Path, "dad/") {
				t.Errorf("search for %q found %s in dad's folder", tc.q, h.Path)
			}
		}
	}
}

// TestFilesPageSearch: typing searches once typing rests, not once a letter; the hits
// show their name, folder, size and date (golden image); Show in folder goes to a hit's
// folder with it chosen; a double click goes into a folder that was found and opens a
// file that was; a hit downloads; clearing the field goes back to the folder.
func TestFilesPageSearch(t *testing.T) {
	_, cfg := familyFiles(t)
	c := filesOf(t, cfg)
	p := c.files
	p.openEntry(find(t, p, "Public"))
	c.work.wait()

	test.Type(p.search, "beach")
	// Each letter waits for typing to rest; only the last goes on to search.
	first := c.work.pending[0]
	c.work.pending = c.work.pending[1:]
	first()
	if p.query != "" || len(c.work.pending) != 4 {
		t.Fatalf("the first letter searched for %q while more were typed", p.query)
	}
	c.work.wait()
	if p.query != "beach" || len(p.hits) != 5 || p.list.Visible() || !p.found.Visible() {
		t.Fatalf("after typing beach: %q, %v (%s)", p.query, hitPaths(p), p.status.Text)
	}
	p.found.Select(hitAt(t, p, "Public/Holiday/beach 2026.jpg"))
	c.win.Resize(fyne.NewSize(640, 520))
	test.AssertImageMatches(t, "search.png", c.win.Canvas().Capture())
	keep(t, "search.png", c.win.Canvas())

	test.Tap(p.reveal)
	c.work.wait()
	if p.where.Text != "Shares / Public / Holiday" || p.selected < 0 || p.entries[p.selected].name != "beach 2026.jpg" ||
		p.search.Text != "" || p.query != "" || !p.list.Visible() || p.found.Visible() || p.open.Disabled() {
		t.Fatalf("Show in folder: at %q, chosen %d of %v, field %q", p.where.Text, p.selected, names(p.entries), p.search.Text)
	}

	// A folder found is gone into by a double click, as in the folder's own list.
	searchFor(c, "trips")
	r := newHitRow(p.found.Select, p.openHit)
	i := hitAt(t, p, "Public/Beach trips")
	r.show(i, p.hits[i])
	test.DoubleTap(r)
	c.work.wait()
	if p.where.Text != "Shares / Public / Beach trips" || len(p.entries) != 0 || p.search.Text != "" {
		t.Fatalf("double click on a folder found: at %q, %v", p.where.Text, names(p.entries))
	}

	// A file found opens as a copy in its application, and downloads, from the results.
	searchFor(c, "house")
	var opened string
	p.launch = func(path string) error { opened = path; return nil }
	i = hitAt(t, p, "mum/Letters/beach house.txt")
	r.show(i, p.hits[i])
	test.DoubleTap(r)
	c.work.wait()
	if got, err := os.ReadFile(opened); err != nil || len(got) != 3000 || p.query != "house" {
		t.Errorf("double click on a file found: %d bytes, %v (%s), still searching %q", len(got), err, p.status.Text, p.query)
	}
	b, e, ok := p.chosen()
	to := t.TempDir()
	if !ok || p.download.Disabled() {
		t.Fatal("a chosen file found cannot be downloaded")
	}
	p.downloadTo(b, e, to)
	c.work.wait()
	if got, err := os.ReadFile(filepath.Join(to, "beach house.txt")); err != nil || len(got) != 3000 {
		t.Errorf("download of a file found: %d bytes, %v (%s)", len(got), err, p.status.Text)
	}

	// Files dropped on the window are not put anywhere while results are shown: the
	// folder they would go to is not the one in view.
	drop := filepath.Join(t.TempDir(), "dropped.txt")
	os.WriteFile(drop, []byte("hi"), 0o644)
	p.uploadFiles([]string{drop})
	c.work.wait()
	if !strings.HasPrefix(p.status.Text, "Files cannot be put into search results") {
		t.Errorf("a drop on search results: %q", p.status.Text)
	}

	// Of two searches under way, only the newest is shown, whichever answers first.
	p.find("ball")
	p.find("house")
	older, newer := c.work.pending[0], c.work.pending[1]
	c.work.pending = nil
	newer()
	older()
	if got := hitPaths(p); p.query != "house" || len(got) != 1 || got[0] != "mum/Letters/beach house.txt" {
		t.Errorf("after an older search answered last: %q shows %v", p.query, got)
	}

	// The field's clear button goes back to the folder the search started in.
	test.Tap(p.search.ActionItem.(fyne.Tappable))
	c.work.wait()
	if p.where.Text != "Shares / Public / Beach trips" || p.query != "" || !p.list.Visible() || !strings.HasPrefix(p.status.Text, "This folder is empty") {
		t.Errorf("after clearing: at %q, %v, searching %q", p.where.Text, names(p.entries), p.query)
	}
}

// TestFilesPageSearchServerAway: a search when the server has gone away says so in
// plain words, as does listing a folder; neither shows Go's error text.
func TestFilesPageSearchServerAway(t *testing.T) {
	s, cfg := familyFiles(t)
	c := filesOf(t, cfg)
	p := c.files
	p.openEntry(find(t, p, "Public"))
	c.work.wait()
	searchFor(c, "ball")
	if len(p.hits) != 1 {
		t.Fatalf("before the server went away: %v (%s)", hitPaths(p), p.status.Text)
	}
	s.Stop()
	searchFor(c, "beach")
	if want := "The search did not work: " + sayUnreachable; p.status.Text != want || len(p.hits) != 0 {
		t.Errorf("searching with the server away: %q, want %q", p.status.Text, want)
	}
	p.search.SetText("")
	c.work.wait()
	if want := "The folder could not be listed: " + sayUnreachable; p.status.Text != want {
		t.Errorf("listing with the server away: %q, want %q", p.status.Text, want)
	}
}
