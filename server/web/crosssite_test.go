package web_test

import (
	"context"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/browsertest"
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

// evilPage is another site's page: it makes the browser send hearthd requests that would
// make a device token or change a file, the ways a page can without a preflight (a form,
// and fetch in no-cors mode with the browser's credentials) and one it cannot (a PUT).
var evilPage = template.Must(template.New("evil").Parse(`<!doctype html><title>Cute cats</title>
<form id="form" method="post" enctype="text/plain" action="{{.}}/api/v1/devices">
<input type="hidden" name='{"name":"evil form","x":"' value='"}'>
</form>
<script>
async function attack() {
	const out = [];
	for (const [url, init] of [
		["{{.}}/api/v1/devices", {method: "POST", mode: "no-cors", credentials: "include", body: '{"name":"evil text"}'}],
		["{{.}}/api/v1/devices", {method: "POST", mode: "no-cors", credentials: "include", body: new Blob(['{"name":"evil blob"}'])}],
		["{{.}}/dav/dad/f.txt", {method: "PUT", mode: "cors", credentials: "include", body: "evil"}],
	]) {
		try {
			const r = await fetch(url, init);
			out.push(init.method + " " + r.type + " " + r.status);
		} catch (e) {
			out.push(init.method + " failed: " + e);
		}
	}
	return out.join("; ");
}
</script>`))

// TestCrossSiteInBrowser: dad's Chromium holds his Basic credentials for hearthd (and a
// session cookie); a page of another site makes it send requests to hearthd, which make
// no device token and change no file. From hearthd's own page the browser still can.
func TestCrossSiteInBrowser(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", pw, true)
	if resp, _ := s.Do("dad", pw, "PUT", "/dav/dad/f.txt", strings.NewReader("mine")); resp.StatusCode != 201 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		evilPage.Execute(w, s.URL)
	}))
	defer evil.Close()
	// localhost, not 127.0.0.1: another site, not only another origin.
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)

	b := s.Browser()
	signIn := url.URL{Scheme: "https", User: url.UserPassword("dad", pw), Host: strings.TrimPrefix(s.URL, "https://"), Path: "/dav/dad/"}
	if err := b.Do(chromedp.Navigate(signIn.String())); err != nil {
		t.Fatal(err)
	}
	own := func(js string) string {
		t.Helper()
		got, err := browsertest.Run(b, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return got
	}
	// The drive's pages are sandboxed (item 1: they may show user content), so hearthd's
	// own page here is its home page; the browser answers its 401s with dad's cached
	// credentials.
	if err := b.Do(chromedp.Navigate(s.URL + "/")); err != nil {
		t.Fatal(err)
	}
	if got := own(`fetch("` + s.URL + `/api/v1/session", {method: "POST"}).then(r => String(r.status))`); got != "200" {
		t.Fatalf("dad signs in on hearthd's own page: %s", got)
	}

	if err := b.Do(chromedp.Navigate(evilURL)); err != nil {
		t.Fatal(err)
	}
	t.Logf("the other site's fetches: %s", own(`attack()`))
	if err := b.Do(chromedp.Evaluate[chromedp.Void](`document.getElementById("form").submit()`)); err != nil {
		t.Fatal(err)
	}
	// The form's answer replaces the page: wait for it.
	var answer string
	for i := 0; ; i++ {
		loc, _ := browsertest.Run(b, chromedp.Evaluate[string](`location.href`))
		if strings.HasPrefix(loc, s.URL) {
			answer, _ = browsertest.Run(b, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			break
		}
		if i > 300 {
			t.Fatalf("the form was not answered; the tab is at %s", loc)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the form's answer: %s", answer)
	if ds, _ := s.Admin().Devices(context.Background()); len(ds) != 0 {
		t.Errorf("another site's page made device tokens for dad: %+v", ds)
	}
	if _, got := s.Do("dad", pw, "GET", "/dav/dad/f.txt", nil); got != "mine" {
		t.Errorf("another site's page changed dad's file: %q", got)
	}

	// Hearth's own page, with the same browser and credentials, may.
	if err := b.Do(chromedp.Navigate(s.URL + "/")); err != nil {
		t.Fatal(err)
	}
	js := `fetch("/api/v1/devices", {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"name":"from the page"}'}).then(r => String(r.status))`
	if got := own(js); got != "201" {
		t.Errorf("hearthd's own page makes a device: %s", got)
	}
}
