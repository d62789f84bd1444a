package connector_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestManageURL: a PC's device token tells whether its user is an administrator (the
// tray and the console offer "Manage the server" only then), and the address they open
// is the server's sign-in page, at the address the PC joined, which goes on to the
// console's Home once the administrator signs in with the password.
func TestManageURL(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	s.AddUser("dad", pw, true)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		user  string
		admin bool
	}{{"mum", false}, {"dad", true}} {
		cfg, err := connector.Join(ctx, id, c.user, pw, "laptop-"+c.user)
		if err != nil {
			t.Fatal(err)
		}
		if me, err := cfg.Me(ctx); err != nil || me.Admin != c.admin {
			t.Errorf("%s: Me says admin %v (%v), want %v", c.user, me.Admin, err, c.admin)
		}
		if got, want := cfg.ManageURL(), s.URL+"/signin?next=%2F"; got != want {
			t.Errorf("%s: ManageURL %q, want %q", c.user, got, want)
		}
	}

	// Followed as a browser does, with its cookies.
	cfg, err := connector.Join(ctx, id, "dad", pw, "desktop")
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Transport: s.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(cfg.ManageURL())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="next" value="/"`) || !strings.Contains(string(page), `name="password"`) {
		t.Fatalf("the manage address shows %s:\n%s", resp.Status, page)
	}
	resp, err = browser.PostForm(s.URL+"/signin", url.Values{"name": {"dad"}, "password": {pw}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Fatalf("signing in: %s to %q, want Home", resp.Status, loc)
	}
	resp, err = browser.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Home, signed in: %s", resp.Status)
	}
}
