package console_test

import (
	"context"

	"github.com/chromedp/chromedp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A shared folder removed from its page is gone for everyone but kept, files and all,
// and comes back whole from the list of removed ones.
func TestRemoveAShareAndBringItBack(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	ctx := context.Background()
	if _, err := s.Admin().Put(ctx, "Music/song.ogg", strings.NewReader("la la la"), 8, time.Now()); err != nil {
		t.Fatal(err)
	}
	x := newTab(t, s)
	x.signIn("/shares/Music", "dad", pw)
	x.do(clickSummary("Remove Music…"))
	x.submit("form[action='/shares/Music/remove'] button")
	if got := x.flash(); !strings.Contains(got, "Music was removed") || !strings.Contains(got, "30 days") {
		t.Fatalf("after removing Music the page says %q", got)
	}
	if shares, _ := s.Admin().Shares(ctx); slices.ContainsFunc(shares, func(sh pool.ShareInfo) bool { return sh.Name == "Music" }) {
		t.Fatal("Music is still a share after it was removed")
	}
	if resp, _ := s.Do("dad", pw, "GET", "/dav/Music/song.ogg", nil); resp.StatusCode == 200 {
		t.Fatal("a removed share's file is still served")
	}
	x.submit("form[action='/shares/removed/Music/restore'] button")
	if got := x.flash(); !strings.Contains(got, "Music is back") {
		t.Fatalf("after bringing Music back the page says %q", got)
	}
	if resp, body := s.Do("dad", pw, "GET", "/dav/Music/song.ogg", nil); resp.StatusCode != 200 || body != "la la la" {
		t.Fatalf("the song after Music came back: %d %q", resp.StatusCode, body)
	}
}

// Removing a drive from Storage moves its files off with progress on the page, and the
// drive leaves the list; the files stay readable.
func TestRemoveADriveWithProgress(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	ctx := context.Background()
	second := filepath.Join(t.TempDir(), "second")
	os.Mkdir(second, 0o755)
	if _, err := s.Admin().AddDrive(ctx, second, "Old disk"); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		name := "Public/photo" + string(rune('a'+i)) + ".jpg"
		if _, err := s.Admin().Put(ctx, name, strings.NewReader(strings.Repeat("x", 50_000)), 50_000, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	x := newTab(t, s)
	x.signIn("/storage", "dad", pw)
	x.do(clickSummary("Remove…"), clickSummary("Remove…")) // the first card is Drive 1; open both
	x.submit("form[action='/storage/drives/Old%20disk/remove'] button")
	if got := x.flash(); !strings.Contains(got, "would have a single copy") || strings.Contains(got, "--force") {
		t.Fatalf("removing one of two drives the page says %q, want that files would keep one copy", got)
	}
	x.do(clickSummary("Remove…"), clickSummary("Remove…"))
	x.do(chromedp.Click("form[action='/storage/drives/Old%20disk/remove'] input[name=force]"))
	x.submit("form[action='/storage/drives/Old%20disk/remove'] button")
	if got := x.flash(); !strings.Contains(got, "moving the files off Old disk") {
		t.Fatalf("after removing the drive the page says %q", got)
	}
	// The page follows the work by itself until the drive is gone.
	x.settle(`document.querySelector("#jobs-h") && ![...document.querySelectorAll(".cards h3")].some(h => h.textContent === "Old disk") && document.body.textContent.includes("Finished")`)
	pooltest.Eventually(t, 10*time.Second, "the drive is gone", func() bool {
		ds, _ := s.Admin().Drives(ctx)
		return len(ds) == 1
	})
	if _, body := s.Do("dad", pw, "GET", "/dav/Public/photoa.jpg", nil); len(body) != 50_000 {
		t.Fatalf("a photo after the drive left: %d bytes", len(body))
	}
	// Events tells what was done, in words.
	x.open("/events?kind=storage")
	if got := x.text("main table"); !strings.Contains(got, "Removal of Old disk") {
		t.Errorf("the events of the drives: %q", got)
	}
}

// Settings saved on the page hold: the server's name is in every page's title, times
// follow the zone, a zone the server does not know is refused in words, and a restart
// is refused in words when nothing would start the server again.
func TestSettings(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	x := newTab(t, s)
	x.signIn("/settings", "dad", pw)
	x.set("#name", "Family Server")
	x.set("#zone", "Atlantis/Capital")
	x.submit("form[action='/settings'] button")
	if got := x.flash(); !strings.Contains(got, "not a time zone this server knows") {
		t.Fatalf("a bad zone: the page says %q", got)
	}
	x.set("#name", "Family Server")
	x.set("#zone", "Pacific/Auckland")
	x.set("#k-last", "7")
	x.submit("form[action='/settings'] button")
	if got := x.flash(); !strings.Contains(got, "settings are saved") {
		t.Fatalf("after saving the page says %q", got)
	}
	set, err := s.Admin().Settings(context.Background())
	if err != nil || set.ServerName != "Family Server" || set.TimeZone != "Pacific/Auckland" || set.DefaultKeep.Last != 7 {
		t.Fatalf("settings on the server: %+v, %v", set, err)
	}
	if title := x.eval(`document.title`).(string); !strings.Contains(title, "Family Server") {
		t.Errorf("the title after naming the server: %q", title)
	}
	x.do(clickSummary("Restart…"))
	x.submit("form[action='/settings/restart'] button")
	if got := x.flash(); !strings.Contains(got, "does not run as a system service") {
		t.Errorf("a restart with nothing to start the server again: the page says %q", got)
	}
}
