package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
)

// family is a server with an administrator (dad), a family member (mum) with a laptop
// that has backed up twice, and a second drive.
func family(t *testing.T) *apptest.Server {
	t.Helper()
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	now := time.Now()
	for i, when := range []time.Time{now.Add(-26 * time.Hour), now.Add(-2 * time.Hour)} {
		backupfstest.Backup(t, s.App.Backups, "laptop", "mum", when, "/home/mum", []backupfstest.Entry{
			{Path: "Letters/grandma.txt", Data: []byte("Dear Grandma, thank you for the scarf."), Mtime: when},
			{Path: "Letters/school.txt", Data: []byte("Dear Mrs Smith"), Mtime: when},
			{Path: "Photos/beach.jpg", Data: make([]byte, 100_000+i), Chunk: 40_000, Mtime: when},
		})
	}
	put(t, s.App.Pool, "Documents/letters/grandma.txt", []byte("Dear Grandma"))
	put(t, s.App.Pool, "Documents/list.txt", []byte("milk"))
	put(t, s.App.Pool, "Documents/list.txt", []byte("milk, bread"))
	put(t, s.App.Pool, "Documents/old.txt", []byte("gone"))
	put(t, s.App.Pool, "Music/tone.wav", wav(3))
	s.App.Pool.Remove(context.Background(), "Documents/old.txt")
	return s
}

// Every page, as an administrator and as a family member: it works with the keyboard
// alone, every control is labelled, and it is photographed at both sizes in both
// schemes (look at them: make test keeps them in build/screenshots).
func TestEveryPageLooksRightAndIsAccessible(t *testing.T) {
	s := family(t)
	x := newTab(t, s)
	x.open("/signin")
	x.accessible("sign-in")
	x.shots("signin")
	x.signIn("/", "dad", pw)
	var weights []string
	for _, p := range []struct{ name, path string }{
		{"home", "/"}, {"computers", "/computers"}, {"computer", "/computers/laptop"},
		{"browse", "/computers/laptop/browse/" + folderOf(t, s, 1) + "/home/mum/Letters/"},
		{"users", "/users"}, {"user", "/users/mum"}, {"shares", "/shares"}, {"share", "/shares/Pictures"},
		{"storage", "/storage"}, {"events", "/events"}, {"settings", "/settings"}, {"connector", "/connector"},
		{"links", "/links"},
	} {
		x.open(p.path)
		weights = append(weights, fmt.Sprintf("%-10s %6d bytes", p.name, x.weight()))
		x.accessible(p.name)
		x.shots("admin-" + p.name)
	}
	t.Logf("page weight, first load (page, style sheet, script, icons; before compression):\n%s", strings.Join(weights, "\n"))
	if dir := os.Getenv("HEARTH_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "page-weight.txt"), []byte(strings.Join(weights, "\n")+"\n"), 0o644)
	}
	y := newTab(t, s)
	y.signIn("/", "mum", pw)
	for _, p := range []struct{ name, path string }{{"home", "/"}, {"computers", "/computers"}, {"computer", "/computers/laptop"},
		{"files", "/files"}, {"folder", "/files/Documents/"}, {"folder-grid", "/files/Documents/?view=grid"},
		{"versions", "/versions/Documents/list.txt"}, {"deleted", "/deleted/Documents"}, {"view", "/view/Music/tone.wav"}, {"search", "/search?q=list"}} {
		y.open(p.path)
		y.accessible("mum's " + p.name)
		y.shots("member-" + p.name)
	}
}
