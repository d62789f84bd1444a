package dav_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/internal/browsertest"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/webhdr"
)

// TestFileHeaders: every GET and HEAD of a file carries the sandbox and nosniff, its type
// from the name (a file without an extension that holds HTML is not sniffed as HTML), and
// active types download; a folder listing is sandboxed too.
func TestFileHeaders(t *testing.T) {
	s := family(t)
	html := "<!doctype html><script>alert(1)</script>"
	cases := []struct {
		name, typ string
		inline    bool
	}{
		{"x.html", "text/html", false},
		{"x.svg", "image/svg+xml", false},
		{"x.xml", "xml", false},
		{"x.js", "javascript", false},
		{"x.pdf", "application/pdf", true}, // the browser's own viewer, sandboxed
		{"noext", "application/octet-stream", false},
		{"Grüße.weird", "application/octet-stream", false},
		{"photo.jpg", "image/jpeg", true},
		{"notes.txt", "text/plain; charset=utf-8", true},
		{"clip.webm", "video/webm", true},
	}
	for _, c := range cases {
		if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/"+url.PathEscape(c.name), strings.NewReader(html)); resp.StatusCode != 201 {
			t.Fatalf("PUT %s: %d", c.name, resp.StatusCode)
		}
		for _, method := range []string{"GET", "HEAD"} {
			for _, rng := range []string{"", "bytes=0-3"} {
				resp, _ := s.Do("dad", pw, method, "/dav/Public/"+url.PathEscape(c.name), nil, "Range", rng)
				h := resp.Header
				where := fmt.Sprintf("%s %s (Range %q): %d", method, c.name, rng, resp.StatusCode)
				if resp.StatusCode/100 != 2 {
					t.Errorf("%s", where)
				}
				if !strings.Contains(h.Get("Content-Type"), c.typ) {
					t.Errorf("%s: Content-Type %q, want %q", where, h.Get("Content-Type"), c.typ)
				}
				if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != webhdr.FileCSP {
					t.Errorf("%s: nosniff %q, CSP %q", where, h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
				}
				cd := h.Get("Content-Disposition")
				if c.inline && cd != "" || !c.inline && !strings.HasPrefix(cd, "attachment;") {
					t.Errorf("%s: Content-Disposition %q", where, cd)
				}
			}
		}
	}
	resp, _ := s.Do("dad", pw, "GET", "/dav/Public/Gr%C3%BC%C3%9Fe.weird", nil)
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasSuffix(cd, "filename*=UTF-8''Gr%C3%BC%C3%9Fe.weird") {
		t.Errorf("Content-Disposition %q does not carry the UTF-8 name", cd)
	}
	for _, p := range []string{"/dav/", "/dav/Public/"} {
		resp, body := s.Do("dad", pw, "GET", p, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != webhdr.PageCSP ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(body, "<table") {
			t.Errorf("listing %s: %d %v", p, resp.StatusCode, resp.Header)
		}
	}
	// A missing file's answer is words, not a download.
	resp, _ = s.Do("dad", pw, "GET", "/dav/Public/missing.html", nil)
	if resp.StatusCode != 404 || resp.Header.Get("Content-Disposition") != "" || strings.Contains(resp.Header.Get("Content-Type"), "html") {
		t.Errorf("missing file: %d %v", resp.StatusCode, resp.Header)
	}
}

// attack is what bob's files run when a browser runs them: read the page's cookies, ask
// the API who is signed in, make a device token, and leave a marker file saying what
// worked (all with the viewer's sign-in).
const attack = `(async () => {
	const got = ["ran"];
	try { if (document.cookie) got.push("cookie=" + document.cookie); } catch (e) {}
	try { const r = await fetch("/api/v1/me"); if (r.ok) got.push("me=" + await r.text()); } catch (e) {}
	try {
		const r = await fetch("/api/v1/devices", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({name: "pwned-KIND"})});
		if (r.ok) got.push("token=" + await r.text());
	} catch (e) {}
	document.title = got.join(" ");
	try { await fetch("/dav/Public/pwned-KIND.txt", {method: "PUT", body: got.join("\n")}); } catch (e) {}
})();`

// TestSharedFilesDoNotRunAsTheServer: bob, with full access to Public, leaves an HTML
// page, an SVG image and an extension-less file holding HTML there, each with a script.
// dad, an administrator signed in in his browser (a session cookie, a readable cookie and
// his password cached for the site), opens each. None of the scripts may read his
// cookies, call the API, make a token, or write a file as him.
func TestSharedFilesDoNotRunAsTheServer(t *testing.T) {
	s := family(t)
	s.AddUser("bob", pw, false)
	s.SetAccess("Public", "bob", "full")
	s.SetAccess("Public", "dad", "full")
	files := map[string]string{
		"x.html": `<!doctype html><title>x</title><script>` + strings.ReplaceAll(attack, "KIND", "html") + `</script>`,
		"x.svg": `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script><![CDATA[` +
			strings.ReplaceAll(attack, "KIND", "svg") + `]]></script></svg>`,
		"readme": `<!doctype html><title>x</title><script>` + strings.ReplaceAll(attack, "KIND", "noext") + `</script>`,
	}
	for name, body := range files {
		if resp, _ := s.Do("bob", pw, "PUT", "/dav/Public/"+name, strings.NewReader(body)); resp.StatusCode != 201 {
			t.Fatalf("bob's PUT of %s: %d", name, resp.StatusCode)
		}
	}

	b := s.Browser()
	noDownloads := chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorDeny})
		return err
	})
	if err := b.Do(noDownloads, chromedp.Navigate(s.URL+"/")); err != nil {
		t.Fatal(err)
	}
	// dad signs in as the web pages do (a session cookie for /api/), and the site has a
	// cookie scripts could read.
	signIn := `fetch("/api/v1/session", {method: "POST", headers: {Authorization: "Basic " + btoa("dad:` + pw + `")}})
		.then(r => { document.cookie = "probe=secret; path=/; Secure"; return r.status; })`
	if code, err := browsertest.Run(b, chromedp.Evaluate[int](signIn, chromedp.EvalAwaitPromise)); err != nil || code != 200 {
		t.Fatalf("dad's sign-in: %d, %v", code, err)
	}
	// He opens the drive with his password, which the browser then keeps for the site.
	u, _ := url.Parse(s.URL + "/dav/Public/")
	u.User = url.UserPassword("dad", pw)
	if err := b.Do(chromedp.Navigate(u.String())); err != nil {
		t.Fatal(err)
	}
	if me, err := browsertest.Run(b, chromedp.Evaluate[string](`fetch("/api/v1/me").then(r => r.text())`, chromedp.EvalAwaitPromise)); err != nil || !strings.Contains(me, `"dad"`) {
		t.Logf("from the listing page /api/v1/me says %q (%v)", me, err) // sandboxed: expected to fail
	}
	for _, name := range []string{"x.html", "x.svg", "readme"} {
		// A download ends the navigation with an error: that is the fix working.
		err := b.Do(chromedp.Navigate(s.URL + "/dav/Public/" + name))
		t.Logf("dad opens %s: %v", name, err)
	}
	// The scripts are asynchronous: give them time to do harm.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		if len(harm(t, s)) > 0 {
			break
		}
	}
	for _, h := range harm(t, s) {
		t.Errorf("a script of bob's ran as dad: %s", h)
	}

	// Passive files still open in the browser, sandboxed: a photo shows.
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
	if resp, _ := s.Do("bob", pw, "PUT", "/dav/Public/dot.png", bytes.NewReader(png)); resp.StatusCode != 201 {
		t.Fatalf("PUT dot.png: %d", resp.StatusCode)
	}
	if err := b.Do(chromedp.Navigate(s.URL + "/dav/Public/dot.png")); err != nil {
		t.Fatalf("dad opens a photo: %v", err)
	}
	if w, err := browsertest.Run(b, chromedp.Evaluate[int](`document.images.length ? document.images[0].naturalWidth : -1`)); err != nil || w != 1 {
		t.Errorf("the photo does not show in the browser: width %d, %v", w, err)
	}
}

// harm lists what bob's scripts achieved: marker files, device tokens.
func harm(t *testing.T, s *apptest.Server) []string {
	var out []string
	for _, kind := range []string{"html", "svg", "noext"} {
		if b, ok := readFile(t, s, "Public/pwned-"+kind+".txt"); ok {
			out = append(out, fmt.Sprintf("pwned-%s.txt says %q", kind, b))
		}
	}
	ds, err := s.Admin().Devices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		out = append(out, fmt.Sprintf("a device token %q was made for %s", d.Name, d.User))
	}
	return out
}

// TestBackupFileHeaders: a file read from a PC's backup is user content too: the same
// headers as the drive's files.
func TestBackupFileHeaders(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("ann", pw, false)
	when := time.Date(2024, 5, 1, 21, 30, 0, 0, time.Local)
	page := []byte("<!doctype html><script>alert(1)</script>")
	backupfstest.Backup(t, s.App.Backups, "Ann-Laptop", "ann", when, "/home/ann", []backupfstest.Entry{
		{Path: "page.html", Data: page, Mtime: when}, {Path: "noext", Data: page, Mtime: when}, {Path: "a.txt", Data: page, Mtime: when},
	})
	home := "/dav/Backups/Ann-Laptop/" + pathEscape(backup.FolderName(when)) + "/home/ann/"
	for name, inline := range map[string]bool{"page.html": false, "noext": false, "a.txt": true} {
		resp, body := s.Do("ann", pw, "GET", home+name, nil)
		h := resp.Header
		if resp.StatusCode != 200 || body != string(page) || h.Get("Content-Type") != webhdr.ContentType(name) ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") != webhdr.FileCSP ||
			(h.Get("Content-Disposition") == "") != inline {
			t.Errorf("GET %s from a backup: %d %v", name, resp.StatusCode, h)
		}
	}
}
