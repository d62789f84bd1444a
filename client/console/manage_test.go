package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestManageTheServer: Home offers an administrator, and only an administrator, Manage
// the server (the server says which with the PC's own key); it opens the server's
// sign-in page in the browser, at the address the connector trusts, going on to Home.
// A PC with no browser says where to go instead.
func TestManageTheServer(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	s.AddUser("dad", "battery staple", true)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 15, 0, 0, 0, time.Local)
	want := s.URL + "/signin?next=%2F"
	for _, c := range []struct {
		user, password, pc string
		admin              bool
	}{{"mum", "correct horse", "Laptop", false}, {"dad", "battery staple", "Desktop", true}} {
		cfg, err := connector.Join(ctx, id, c.user, c.password, c.pc)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Backup.At = "03:00"
		con := testConsole(t, cfg, filepath.Join(t.TempDir(), "connector.json"), func() time.Time { return now })
		var opened []string
		con.launch = func(address string) error { opened = append(opened, address); return nil }
		f := gather(ctx, cfg, now)
		if f.err != nil || f.admin != c.admin {
			t.Fatalf("%s: the facts say admin %v (%v)", c.user, f.admin, f.err)
		}
		con.show(steady(f), "home")
		con.work.wait()
		manage := visibleButton(con.win.Content(), "Manage the server")
		if (manage != nil) != c.admin {
			t.Errorf("%s: Manage the server shown: %v", c.user, manage != nil)
		}
		if manage == nil {
			continue
		}
		con.win.Resize(fyne.NewSize(640, 520))
		test.AssertImageMatches(t, "home-admin.png", con.win.Canvas().Capture())
		keep(t, "home-admin.png", con.win.Canvas())
		test.Tap(manage)
		con.work.wait()
		if len(opened) != 1 || opened[0] != want {
			t.Errorf("Manage the server opened %q, want %q", opened, want)
		}

		// No browser on this PC: the window says where to go.
		con.launch = func(string) error { return errors.New("xdg-open: status 3") }
		test.Tap(manage)
		con.work.wait()
		var texts []string
		if top := con.win.Canvas().Overlays().Top(); top != nil {
			texts = labelsIn(top)
		}
		if said := strings.Join(texts, " "); !strings.Contains(said, "Open "+want+" in a web browser to manage the server.") || strings.Contains(said, "status 3") {
			t.Errorf("with no browser, the window says %q", said)
		}
	}
}

// visibleButton is the button of that text shown in o, or nil.
func visibleButton(o fyne.CanvasObject, text string) *widget.Button {
	if !o.Visible() {
		return nil
	}
	switch w := o.(type) {
	case *widget.Button:
		if w.Text == text {
			return w
		}
		return nil
	case *fyne.Container:
		for _, k := range w.Objects {
			if b := visibleButton(k, text); b != nil {
				return b
			}
		}
	case fyne.Widget:
		for _, k := range test.WidgetRenderer(w).Objects() {
			if b := visibleButton(k, text); b != nil {
				return b
			}
		}
	}
	return nil
}

// labelsIn are the texts of the labels shown in o.
func labelsIn(o fyne.CanvasObject) []string {
	var out []string
	switch w := o.(type) {
	case *widget.Label:
		return []string{w.Text}
	case *fyne.Container:
		for _, k := range w.Objects {
			out = append(out, labelsIn(k)...)
		}
	case fyne.Widget:
		for _, k := range test.WidgetRenderer(w).Objects() {
			out = append(out, labelsIn(k)...)
		}
	}
	return out
}
