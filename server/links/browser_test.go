package links_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/browsertest"
)

// TestLinksInBrowser: in a Chromium that never signed in, a read-only link opens its
// folder, downloads a file and the folder as a zip, byte for byte; it stops when it
// expires, and another when it is revoked. An upload-only link sends a file chosen with
// the page's picker into the folder, and shows nothing of what is there.
func TestLinksInBrowser(t *testing.T) {
	f := startFamily(t)
	x := &tab{t: t, url: f.URL, b: f.Browser()}
	expires := f.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	exp := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read", "expires": "`+expires+`"}`)
	rev := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	up := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "upload"}`)

	x.open(exp.Path)
	if h := x.text("main h1"); h != "Trip" {
		t.Fatalf("the link's page is %q", h)
	}
	if got := x.download("a[href='./a.jpg?download']"); !bytes.Equal(got, f.files["Photos/Trip/a.jpg"]) {
		t.Errorf("the downloaded file differs (%d bytes)", len(got))
	}
	zipped := unzip(t, x.download("#zip"))
	if !bytes.Equal(zipped["Trip/sub/b.txt"], f.files["Photos/Trip/sub/b.txt"]) || !bytes.Equal(zipped["Trip/a.jpg"], f.files["Photos/Trip/a.jpg"]) {
		t.Errorf("the zip differs: %d files", len(zipped))
	}
	f.clock.Add(2 * time.Hour)
	x.open(exp.Path)
	if h, p := x.text("main h1"), x.text("main .flash"); h != "Sorry" || !strings.Contains(p, "no longer works") {
		t.Errorf("after its expiry the link shows %q: %q", h, p)
	}

	x.open(rev.Path)
	if h := x.text("main h1"); h != "Trip" {
		t.Fatalf("the second link's page is %q", h)
	}
	if resp, _ := f.Do("ann", annPW, "DELETE", "/api/v1/links/"+rev.ID, nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	x.open(rev.Path + "sub/")
	if h := x.text("main h1"); h != "Sorry" {
		t.Errorf("a revoked link shows %q", h)
	}

	// A link with a password opens once it is given, in this browser alone.
	pw := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read", "password": "open sesame"}`)
	x.open(pw.Path + "sub/")
	if h := x.text("main h1"); !strings.Contains(h, "password") {
		t.Fatalf("a link with a password shows %q", h)
	}
	x.do(chromedp.SetValue("#password", "open sesame"))
	x.submit("main form button")
	if h := x.text("main h1"); h != "Trip" {
		t.Errorf("after its password the link shows %q", h)
	}
	if resp, body := f.get(pw.Path + "a.jpg"); resp.StatusCode != 401 || bytes.Contains(body, []byte("jpegjpeg")) {
		t.Errorf("the password opened the link for others too: %d", resp.StatusCode)
	}

	x.open(up.Path)
	if h := x.text("main h1"); !strings.Contains(h, "Send files") {
		t.Fatalf("the upload link's page is %q", h)
	}
	if body := x.text("main"); strings.Contains(body, "a.jpg") || strings.Contains(body, "notes.txt") {
		t.Errorf("the upload page shows the folder: %q", body)
	}
	file := filepath.Join(t.TempDir(), "a.jpg") // the name of a file there already
	sent := bytes.Repeat([]byte("a holiday photo "), 5000)
	if err := os.WriteFile(file, sent, 0o600); err != nil {
		t.Fatal(err)
	}
	x.do(chromedp.SetUploadFiles("#files", []string{file}))
	x.submit("#send")
	if got := x.text("#saved"); got != "a (2).jpg" {
		t.Errorf("the page says it saved %q", got)
	}
	if got := f.read("Photos/Trip/a (2).jpg"); !bytes.Equal(got, sent) {
		t.Errorf("the uploaded file differs (%d bytes)", len(got))
	}
	if got := f.read("Photos/Trip/a.jpg"); !bytes.Equal(got, f.files["Photos/Trip/a.jpg"]) {
		t.Error("the upload replaced the file of its name")
	}
	x.open(up.Path + "a.jpg")
	if h := x.text("main h1"); h != "Sorry" {
		t.Errorf("an upload link opened a file: %q", h)
	}
}

// TestSharingLinksPage: on the console's Sharing links page a family member makes a link
// (its address shown once), sees it listed, and revokes it with its button; it stops.
func TestSharingLinksPage(t *testing.T) {
	f := startFamily(t)
	x := &tab{t: t, url: f.URL, b: f.Browser()}
	x.open("/files/Photos/Trip/")
	x.do(chromedp.SetValue("#name", "ann"), chromedp.SetValue("#password", annPW))
	x.submit("form[action='/signin'] button")
	// The folder's page offers its link.
	x.do(chromedp.Click("a[href^='/links?path=']"))
	x.settle(`location.pathname === "/links" && document.querySelector("#l-path")`)
	if got := x.value("#l-path"); got != "Photos/Trip" {
		t.Fatalf("the form's folder is %q", got)
	}
	x.submit("form[action='/links'] button")
	addr := x.text("#new-link")
	if !strings.HasPrefix(addr, f.URL+"/s/hsl_") {
		t.Fatalf("the new link is %q", addr)
	}
	if row := x.text("main table"); !strings.Contains(row, "Photos/Trip") || strings.Contains(row, "hsl_") {
		t.Errorf("the list: %q", row)
	}
	path := strings.TrimPrefix(addr, f.URL)
	if resp, _ := f.get(path); resp.StatusCode != 200 {
		t.Fatalf("the new link: %d", resp.StatusCode)
	}
	x.open("/links")
	x.submit("form[action$='/revoke'] button")
	if msg := x.text("main .flash"); !strings.Contains(msg, "taken back") {
		t.Errorf("after revoking: %q", msg)
	}
	if resp, _ := f.get(path); resp.StatusCode != 410 {
		t.Errorf("a link revoked on the page: %d", resp.StatusCode)
	}
	if strings.Contains(x.text("main"), "Photos/Trip") {
		t.Error("a revoked link is still listed")
	}
}

// tab is one Chromium tab, as in the console's browser tests.
type tab struct {
	t   *testing.T
	url string
	b   *browsertest.Browser
}

func (x *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	x.t.Helper()
	if err := x.b.Do(steps...); err != nil {
		x.t.Fatal(err)
	}
}

func (x *tab) open(path string) {
	x.t.Helper()
	x.do(chromedp.Navigate(x.url + path))
	x.settle(`document.querySelector("main h1")`)
}

// settle waits until the page has loaded and the condition holds; a page still
// navigating is asked again.
func (x *tab) settle(cond string) {
	x.t.Helper()
	if err := x.b.Settle(cond); err != nil {
		x.t.Fatal(err)
	}
}

func (x *tab) submit(button string) {
	x.t.Helper()
	if _, err := browsertest.Run(x.b, chromedp.Evaluate[any](`window.__before = true`)); err != nil {
		x.t.Fatal(err)
	}
	x.do(chromedp.Click(button))
	x.settle(`!window.__before && document.querySelector("main h1")`)
}

func (x *tab) value(sel string) string {
	x.t.Helper()
	s, err := browsertest.Run(x.b, chromedp.Value(sel))
	if err != nil {
		x.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

func (x *tab) text(sel string) string {
	x.t.Helper()
	s, err := browsertest.Run(x.b, chromedp.Text(sel))
	if err != nil {
		x.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// download clicks a link that downloads a file and returns the file's bytes.
func (x *tab) download(link string) []byte {
	x.t.Helper()
	b, err := x.b.Download(x.t.TempDir(), link)
	if err != nil {
		x.t.Fatal(err)
	}
	return b
}
