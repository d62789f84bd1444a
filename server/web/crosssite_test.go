package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

func devices(t *testing.T, s *apptest.Server) int {
	t.Helper()
	ds, err := s.Admin().Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(ds)
}

// TestCrossSiteAPI: a request that another website's page could make a browser send,
// with the Basic credentials the browser holds, changes nothing; the same request from
// Hearth's own origin, or from a client that is no browser, works.
func TestCrossSiteAPI(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", pw, true)
	self := s.URL // https://127.0.0.1:port, the origin Hearth's own pages have
	body := `{"name":"evil"}`
	for _, c := range []struct {
		what string
		hdr  []string
		want int
	}{
		{"Origin of another site, text/plain", []string{"Origin", "https://evil.example", "Content-Type", "text/plain"}, 403},
		{"Origin of another site, JSON", []string{"Origin", "https://evil.example", "Content-Type", "application/json"}, 403},
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}, 403},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Content-Type", "application/json"}, 403},
		{"a sandboxed page's Origin", []string{"Origin", "null", "Content-Type", "application/json"}, 403},
		{"this host over plain http", []string{"Origin", strings.Replace(self, "https:", "http:", 1), "Content-Type", "application/json"}, 403},
		{"no Origin, text/plain", []string{"Content-Type", "text/plain;charset=UTF-8"}, 415},
		{"no Origin, a form", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"no Origin, multipart", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415},
		{"no Origin, no type", nil, 415},
	} {
		resp, got := s.Do("dad", pw, "POST", "/api/v1/devices", strings.NewReader(body), c.hdr...)
		if resp.StatusCode != c.want || !strings.Contains(got, `"error"`) {
			t.Errorf("%s: %d %s, want %d", c.what, resp.StatusCode, got, c.want)
		}
	}
	if n := devices(t, s); n != 0 {
		t.Fatalf("%d devices made by refused requests", n)
	}
	// A form with no fields has an empty body, but still its type.
	if resp, _ := s.Do("dad", pw, "POST", "/api/v1/devices", nil, "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 415 {
		t.Errorf("an empty form: %d, want 415", resp.StatusCode)
	}
	// Hearth's own page, and the connector (no Origin), with JSON.
	if resp, got := s.Do("dad", pw, "POST", "/api/v1/devices", strings.NewReader(body), "Origin", self, "Sec-Fetch-Site", "same-origin", "Content-Type", "application/json"); resp.StatusCode != 201 {
		t.Errorf("same origin, JSON: %d %s", resp.StatusCode, got)
	}
	if resp, got := s.Do("dad", pw, "POST", "/api/v1/devices", strings.NewReader(body), "Content-Type", "application/json; charset=utf-8"); resp.StatusCode != 201 {
		t.Errorf("no Origin, JSON: %d %s", resp.StatusCode, got)
	}
	// Signing in and out needs no body; reading needs nothing.
	if resp, _ := s.Do("dad", pw, "POST", "/api/v1/session", nil); resp.StatusCode != 200 {
		t.Errorf("sign in without a body: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("dad", pw, "GET", "/api/v1/me", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 200 {
		t.Errorf("a GET from another site: %d (it changes nothing, and the browser hides the answer)", resp.StatusCode)
	}
}

// TestCrossSiteDAV: WebDAV clients (Windows, rclone, cadaver) send no Origin and keep
// working; the same requests with another site's Origin change nothing.
func TestCrossSiteDAV(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", pw, true)
	if resp, _ := s.Do("dad", pw, "PUT", "/dav/dad/f.txt", strings.NewReader("mine"), "User-Agent", "rclone/v1.69.1"); resp.StatusCode != 201 {
		t.Fatalf("PUT from a WebDAV client: %d", resp.StatusCode)
	}
	for _, m := range []struct{ method, path string }{
		{"PUT", "/dav/dad/f.txt"}, {"POST", "/dav/dad/f.txt"}, {"DELETE", "/dav/dad/f.txt"}, {"MKCOL", "/dav/dad/d"},
		{"PROPPATCH", "/dav/dad/f.txt"}, {"LOCK", "/dav/dad/f.txt"},
	} {
		if resp, _ := s.Do("dad", pw, m.method, m.path, strings.NewReader("evil"), "Origin", "https://evil.example"); resp.StatusCode != 403 {
			t.Errorf("%s from another site: %d, want 403", m.method, resp.StatusCode)
		}
	}
	if resp, got := s.Do("dad", pw, "GET", "/dav/dad/f.txt", nil); got != "mine" {
		t.Errorf("the file after the refused requests: %d %q", resp.StatusCode, got)
	}
	for _, m := range []string{"MKCOL", "MOVE", "DELETE"} {
		hdr := []string{"User-Agent", "Microsoft-WebDAV-MiniRedir/10.0.19045"}
		path := "/dav/dad/d"
		if m == "MOVE" {
			hdr = append(hdr, "Destination", s.URL+"/dav/dad/e")
		} else if m == "DELETE" {
			path = "/dav/dad/e"
		}
		if resp, _ := s.Do("dad", pw, m, path, nil, hdr...); resp.StatusCode >= 300 {
			t.Errorf("%s from a WebDAV client: %d", m, resp.StatusCode)
		}
	}
}

// TestCrossSiteSetup: the setup form works from its own page, not from another site's
// (the one-time token in the form already keeps strangers out).
func TestCrossSiteSetup(t *testing.T) {
	s := apptest.Start(t)
	form := "token=" + s.App.SetupToken() + "&name=dad&password=" + url.QueryEscape(pw)
	if resp, _ := s.Do("", "", "POST", "/setup", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded",
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); resp.StatusCode != 403 {
		t.Errorf("setup from another site: %d, want 403", resp.StatusCode)
	}
	if us, _ := s.Admin().Users(context.Background()); len(us) != 0 {
		t.Fatalf("users after a setup from another site: %+v", us)
	}
	if resp, body := s.Do("", "", "POST", "/setup", strings.NewReader(form), "Content-Type", "application/x-www-form-urlencoded",
		"Origin", s.URL, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != 200 || !strings.Contains(body, "Done") {
		t.Errorf("setup from its own page: %d %s", resp.StatusCode, body)
	}
}
