package main

import (
	"context"
	"fyne.io/fyne/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
)

// TestRestorePicked: in the Backups page's tree of a real backup, opened a folder at a
// time, two files and a folder are picked; restoring brings back exactly those, and a
// file already there is asked about.
func TestRestorePicked(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	home := cfg.Backup.Include[0]
	writeFiles(t, home, "Documents/a.txt", "Documents/b.txt", "Documents/c.txt", "Photos/2025/sea.jpg", "Photos/2025/hill.jpg", "Photos/cat.jpg")
	if _, err := backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	c := testConsole(t, cfg, "", time.Now)
	c.show(gather(ctx, cfg, time.Now()), "backups")
	p := c.backups
	p.list.Select(0)
	c.work.wait()
	m := p.picker
	// Open the folders down to the home folder, as a person would.
	top := strings.TrimPrefix(filepath.ToSlash(home), "/")
	for dir := ""; ; {
		kids := m.children(dir)
		c.work.wait()
		kids = m.children(dir)
		if dir == top {
			break
		}
		next := ""
		for _, k := range kids {
			if strings.HasPrefix(top, k) && (top == k || strings.HasPrefix(top, k+"/")) {
				next = k
			}
		}
		if next == "" {
			t.Fatalf("%s holds %v, not the way to %s", dir, kids, top)
		}
		m.tree.OpenBranch(next)
		dir = next
	}
	for _, d := range []string{"Documents", "Photos"} {
		m.children(path.Join(top, d))
		c.work.wait()
	}
	// Pick all of Documents but c.txt: a folder ticked, then one file unticked.
	m.set(path.Join(top, "Documents"), true)
	m.set(path.Join(top, "Documents/c.txt"), false)
	m.set(path.Join(top, "Photos/2025"), true)
	if !m.partial(path.Join(top, "Photos")) || !m.ticked(path.Join(top, "Documents/a.txt")) || m.ticked(path.Join(top, "Photos/cat.jpg")) {
		t.Errorf("ticks: %v", m.picks())
	}
	want := []string{path.Join(top, "Documents/a.txt"), path.Join(top, "Documents/b.txt"), path.Join(top, "Photos/2025")}
	if got := p.parts(); !slices.Equal(got, want) {
		t.Fatalf("picked %v, want %v", got, want)
	}
	m.tree.OpenBranch(path.Join(top, "Documents"))
	m.tree.OpenBranch(path.Join(top, "Photos"))
	m.tree.Refresh() // as a tap on a check does
	c.win.Resize(fyne.NewSize(640, 640))
	keep(t, "restore-pick.png", c.win.Canvas())
	to := t.TempDir()
	into := func(string) string { return to }
	p.restoreTo(p.snaps[0], p.parts(), into)
	c.work.wait()
	if got, want := filesIn(t, to), []string{"2025/hill.jpg", "2025/sea.jpg", "a.txt", "b.txt"}; !slices.Equal(got, want) {
		t.Errorf("restored %v, want %v (%s)", got, want, p.status.Text)
	}
	// Into a folder holding a.txt already: the restore asks about it alone.
	to = t.TempDir()
	os.WriteFile(filepath.Join(to, "a.txt"), []byte("changed"), 0o644)
	var asked []string
	p.ask = func(path string) (restorer.Choice, bool) { asked = append(asked, path); return restorer.Skip, false }
	p.restoreTo(p.snaps[0], p.parts(), into)
	c.work.wait()
	if got, _ := os.ReadFile(filepath.Join(to, "a.txt")); len(asked) != 1 || asked[0] != filepath.Join(to, "a.txt") || string(got) != "changed" {
		t.Errorf("asked %v; a.txt %q; status %q", asked, got, p.status.Text)
	}
	if got, want := filesIn(t, to), []string{"2025/hill.jpg", "2025/sea.jpg", "a.txt", "b.txt"}; !slices.Equal(got, want) {
		t.Errorf("restored beside a.txt %v, want %v", got, want)
	}
	// Put back where they were: into the folders they came from, asking first.
	if d := putBackDir(path.Join(top, "Photos/2025")); d != filepath.Join(originalPlace(), filepath.FromSlash(top), "Photos") {
		t.Errorf("Photos/2025 goes back into %s", d)
	}
}
