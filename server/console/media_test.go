package console_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/server/pool"
)

// The share page streams a folder to the TVs with one box, shown ticked for Music and
// not for Documents on a new server, and takes it back the same way; Home says what the
// TVs can play.
func TestStreamToTheTVsFromTheSharePage(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	streamed := func(name string) bool {
		t.Helper()
		shares, err := s.Admin().Shares(context.Background())
		i := slices.IndexFunc(shares, func(sh pool.ShareInfo) bool { return sh.Name == name })
		if err != nil || i < 0 {
			t.Fatalf("share %s: %v", name, err)
		}
		return shares[i].Media
	}
	x := newTab(t, s)
	x.signIn("/shares/Music", "dad", pw)
	if ticked := x.eval(`document.querySelector("input[name=media]").checked`); ticked != true {
		t.Errorf("Music's box is ticked: %v, want true", ticked)
	}
	x.open("/shares/Documents")
	if ticked := x.eval(`document.querySelector("input[name=media]").checked`); ticked != false {
		t.Errorf("Documents' box is ticked: %v, want false", ticked)
	}
	x.open("/")
	if got := x.text("#tvs"); !strings.Contains(got, "can play Music, Pictures, Videos.") {
		t.Errorf("Home says of the TVs: %q", got)
	}
	x.open("/shares/Documents")
	for _, want := range []bool{true, false} {
		x.do(chromedp.Click("input[name=media]"))
		x.submit("form[action='/shares/Documents'] button")
		if got := streamed("Documents"); got != want {
			t.Errorf("Documents streamed after a click and Save: %v, want %v", got, want)
		}
		if ticked := x.eval(`document.querySelector("input[name=media]").checked`); ticked != want {
			t.Errorf("the box after Save: %v, want %v", ticked, want)
		}
	}
}
