package main

import (
	"context"
	"fyne.io/fyne/v2"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
)

// writeFiles makes files (slash paths) under dir, each holding its own name.
func writeFiles(t *testing.T, dir string, files ...string) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// filesIn lists the files under dir, as slash paths.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(out)
	return out
}

// TestSettingsFolderTree: unticking folders in the Settings page's tree saves them as
// left out, caches are left out unasked, a real backup then holds exactly the ticked
// files, and the page opened again shows the same ticks.
func TestSettingsFolderTree(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	home := t.TempDir()
	writeFiles(t, home, "Documents/letter.txt", "Documents/Old/old.txt", "Music/song.mp3", "Pictures/beach.jpg",
		".cache/thumbs/a.png", "code/node_modules/x/index.js", "code/main.go")
	cfg.Backup = connector.BackupSettings{At: "03:00"}
	path := filepath.Join(t.TempDir(), "connector.json")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	c := testConsole(t, cfg, path, time.Now)
	c.homeDir = home
	c.show(gather(ctx, cfg, time.Now()), "settings")
	p := c.settings
	j := func(f string) string { return filepath.Join(home, filepath.FromSlash(f)) }
	if !p.picks.ticked(home) || p.picks.ticked(j(".cache")) || p.picks.ticked(j("code/node_modules")) || !p.picks.ticked(j("Music")) {
		t.Fatal("by default the home folder is ticked and caches are not")
	}
	if kids := (folderModel{p.picks}).children(home); len(kids) != 5 {
		t.Errorf("the home folder's subfolders: %v", kids)
	}
	for _, f := range []string{"Music", "Documents/Old"} {
		tick(p, j(f), false)
	}
	tick(p, j("Pictures"), false)
	tick(p, j("Pictures"), true) // changed their mind
	if !p.picks.partial(j("Documents")) || p.picks.partial(j("Pictures")) || !p.picks.partial(home) {
		t.Error("a folder with something left out below should show a partial tick")
	}
	c.win.Resize(fyne.NewSize(640, 520))
	keep(t, "settings-folders.png", c.win.Canvas())
	test.Tap(p.save)
	saved, err := connector.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := saved.Backup.Include; len(got) != 1 || got[0] != home {
		t.Errorf("include %v", got)
	}
	ex := saved.Backup.Exclude
	for _, want := range []string{j("Music"), j("Documents/Old"), j(".cache"), "node_modules"} {
		if !slices.Contains(ex, want) {
			t.Errorf("exclude %v lacks %s", ex, want)
		}
	}
	if slices.Contains(ex, j("Pictures")) {
		t.Errorf("exclude %v has the folder ticked again", ex)
	}
	// A real backup with what was saved holds the ticked files and nothing else.
	if _, err := backupclient.BackupWith(ctx, saved, saved.Backup, nil, nil); err != nil {
		t.Fatal(err)
	}
	bc, err := backupclient.New(saved)
	if err != nil {
		t.Fatal(err)
	}
	to := t.TempDir()
	sub := strings.TrimPrefix(filepath.ToSlash(home), "/")
	if _, err := bc.Restore(ctx, "latest", sub, to, restorer.Options{}); err != nil {
		t.Fatal(err)
	}
	got := filesIn(t, filepath.Join(to, filepath.Base(home)))
	if want := []string{"Documents/letter.txt", "Pictures/beach.jpg", "code/main.go"}; !slices.Equal(got, want) {
		t.Errorf("the backup holds %v, want %v", got, want)
	}
	// Opened again, the page shows the saved choice.
	c.cfg = saved
	c.show(gather(ctx, saved, time.Now()), "settings")
	q := c.settings.picks
	if q.ticked(j("Music")) || q.ticked(j("Documents/Old")) || !q.ticked(j("Documents")) || !q.partial(j("Documents")) || !q.ticked(j("Pictures")) {
		t.Errorf("opened again, the ticks are %v", q.chosen)
	}
}

// tick ticks or unticks path as a person would, through its checkbox in the tree.
func tick(p *settingsPage, path string, on bool) {
	for dir := filepath.Dir(path); dir != p.picks.root && dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		p.folders.OpenBranch(dir)
	}
	p.folders.OpenBranch(p.picks.root)
	p.picks.set(path, on)
	p.ticksChanged()
	p.folders.Refresh()
}
