package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
)

// Only the sign-out form's POST, with its token, signs out: a GET of /signout (a link or
// an image on some page) leaves the browser signed in.
func TestSignOutOnlyByTheForm(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	v := newVisitor(t, s)
	v.signIn("dad", pw)
	v.get("/signout")
	if code, _, loc := v.get("/users"); code != http.StatusOK {
		t.Fatalf("after a GET of /signout, Users answers %d to %q: the GET signed out", code, loc)
	}
	if code, _, _ := v.post("/signout", url.Values{"csrf": {"not the token"}}); code != http.StatusForbidden {
		t.Errorf("sign-out without the form's token: %d, want 403", code)
	}
	if code, _, loc := v.post("/signout", nil); code != http.StatusSeeOther || loc != "/signin" {
		t.Errorf("sign-out by the form: %d to %q", code, loc)
	}
	if code, _, loc := v.get("/users"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
		t.Errorf("after signing out, Users answers %d to %q", code, loc)
	}
}

// A share or PC whose name holds a '#' or a '%' links to its own page, and its forms
// act on it (html/template leaves '#' as it is: "Photos #1" linked to "Photos ").
func TestNamesThatAreNotPlainLinkRight(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	ctx := context.Background()
	for _, n := range []string{"Photos #1", "100% fun"} {
		if _, err := s.Admin().CreateShare(ctx, n, 1, ""); err != nil {
			t.Fatal(err)
		}
	}
	backupfstest.Backup(t, s.App.Backups, "Den #2", "dad", time.Now(), "/home/dad", []backupfstest.Entry{{Path: "a.txt", Data: []byte("a")}})
	v := newVisitor(t, s)
	v.signIn("dad", pw)
	links := func(page, prefix string) map[string]string { // link text → address
		_, body, _ := v.get(page)
		out := map[string]string{}
		for _, m := range regexp.MustCompile(`<a href="(`+prefix+`[^"]*)">([^<]*)</a>`).FindAllStringSubmatch(body, -1) {
			out[html.UnescapeString(m[2])] = html.UnescapeString(m[1])
		}
		return out
	}
	shares := links("/shares", "/shares/")
	for _, n := range []string{"Photos #1", "100% fun"} {
		code, body, _ := v.get(shares[n])
		if code != http.StatusOK || !strings.Contains(body, "<title>"+html.EscapeString(n)) {
			t.Errorf("the link to %s (%q) opens %d", n, shares[n], code)
		}
		action := regexp.MustCompile(`action="([^"]*/remove)"`).FindStringSubmatch(body)
		if action == nil {
			t.Fatalf("no remove form on %s's page", n)
		}
		v.post(html.UnescapeString(action[1]), nil)
	}
	list, _ := s.Admin().Shares(ctx)
	for _, sh := range list {
		if strings.ContainsAny(sh.Name, "#%") {
			t.Errorf("the remove form left %s", sh.Name)
		}
	}
	pcs := links("/computers", "/computers/")
	if code, body, _ := v.get(pcs["Den #2"]); code != http.StatusOK || !strings.Contains(body, "<title>Den #2") {
		t.Errorf("the link to Den #2 (%q) opens %d", pcs["Den #2"], code)
	}
}

// A mistyped address, or a GET of an address only a form posts to, gets a page in words
// with the console's headers, never the mux's "404 page not found".
func TestNoSuchPageInWords(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	v := newVisitor(t, s)
	v.signIn("dad", pw)
	for _, p := range []string{"/nope", "/users/", "/storage/scrub", "/shares/Public/remove"} {
		req, _ := http.NewRequest("GET", s.URL+p, nil)
		req.Header.Set("Origin", s.URL)
		resp, err := v.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code, body, _ := v.get(p)
		if code != http.StatusNotFound || !strings.Contains(body, "There is no such page") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: %d %q", p, code, body)
		}
	}
}

// An escaped "..%2F" in a backup's address does not leave the computer it names: not
// into another PC's backups (which an administrator may see), not up to the list of PCs.
func TestBrowseStaysInItsComputer(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	now := time.Now()
	backupfstest.Backup(t, s.App.Backups, "laptop", "mum", now, "/home/mum", []backupfstest.Entry{{Path: "a.txt", Data: []byte("a")}})
	backupfstest.Backup(t, s.App.Backups, "study", "dad", now, "/home/dad", []backupfstest.Entry{{Path: "secret.txt", Data: []byte("b")}})
	dad, mum := newVisitor(t, s), newVisitor(t, s)
	dad.signIn("dad", pw)
	mum.signIn("mum", pw)
	folder := url.PathEscape(folderOf(t, s, 0))
	for _, v := range []*visitor{dad, mum} {
		for _, p := range []string{"..%2Fstudy%2F" + folder + "%2Fhome%2Fdad%2F", "..%2F", folder + "%2F..%2F..%2Fstudy%2F" + folder + "%2Fhome%2Fdad%2Fsecret.txt"} {
			code, body, _ := v.get("/computers/laptop/browse/" + p)
			if code != http.StatusNotFound || strings.Contains(body, "secret.txt") || strings.Contains(body, "study") {
				t.Errorf("%s opening /computers/laptop/browse/%s: %d", map[*visitor]string{dad: "dad", mum: "mum"}[v], p, code)
			}
		}
	}
}

// A PC that backs up is its backups' owner's: another family member whose device of the
// same name reported its health first (the monitor still counting it theirs) neither
// sees it nor changes how many of its backups are kept.
func TestAComputerIsItsBackupsOwners(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	if resp, out := s.Do("mum", pw, "POST", "/api/v1/devices", strings.NewReader(`{"name":"study"}`), "Content-Type", "application/json"); resp.StatusCode != http.StatusCreated {
		t.Fatalf("mum joins a device named study: %d %s", resp.StatusCode, out)
	}
	if resp, out := s.Do("mum", pw, "PUT", "/api/v1/health/pcs/study", strings.NewReader(`{"checks":[]}`), "Content-Type", "application/json"); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("mum reports study's health: %d %s", resp.StatusCode, out)
	}
	backupfstest.Backup(t, s.App.Backups, "study", "dad", time.Now(), "/home/dad", []backupfstest.Entry{{Path: "a.txt", Data: []byte("a")}})
	before, err := s.App.Backups.PC(context.Background(), "study")
	if err != nil {
		t.Fatal(err)
	}
	mum := newVisitor(t, s)
	mum.signIn("mum", pw)
	if _, body, _ := mum.get("/computers"); strings.Contains(body, "study") {
		t.Error("mum's Computers lists dad's study")
	}
	mum.post("/computers/study/keep", url.Values{"last": {"1"}, "daily": {"0"}, "weekly": {"0"}, "monthly": {"0"}})
	if after, _ := s.App.Backups.PC(context.Background(), "study"); after.Keep != before.Keep {
		t.Errorf("mum changed how many of dad's study's backups are kept: %v, was %v", after.Keep, before.Keep)
	}
}

// Every answer but the style sheet and script is kept out of the browser's cache, so no
// one opens another's page or backed-up file from it after sign-out: pages, errors and
// downloads (a file, a folder's zip) alike; and downloads are sandboxed.
func TestNothingPrivateIsCached(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	backupfstest.Backup(t, s.App.Backups, "laptop", "mum", time.Now(), "/home/mum", []backupfstest.Entry{{Path: "Letters/a.txt", Data: []byte("a")}})
	mum := newVisitor(t, s)
	mum.signIn("mum", pw)
	folder := "/computers/laptop/browse/" + url.PathEscape(folderOf(t, s, 0)) + "/home/mum/Letters"
	for _, p := range []string{"/", "/computers/laptop", "/nope", folder + "/", folder + "/a.txt", folder + "/a.txt?download", folder + "?zip"} {
		req, _ := http.NewRequest("GET", s.URL+p, nil)
		resp, err := mum.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s (%d): Cache-Control %q, want no-store", p, resp.StatusCode, cc)
		}
		if strings.Contains(p, "a.txt") || strings.Contains(p, "zip") {
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: CSP %q: a user's file must be sandboxed", p, csp)
			}
		}
	}
	resp, err := mum.c.Get(s.URL + "/static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age") {
		t.Errorf("the style sheet: Cache-Control %q, want it cached", cc)
	}
}

// What an administrator changes about someone holds at their next click, in the browser
// they are already signed in with: no longer an administrator, no admin page; a new
// password or their removal, signed out.
func TestChangesToSomeoneHoldAtOnce(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, true)
	s.AddUser("kid", pw, false)
	ctx := context.Background()
	mum, kid := newVisitor(t, s), newVisitor(t, s)
	mum.signIn("mum", pw)
	kid.signIn("kid", pw)
	if code, _, _ := mum.get("/users"); code != http.StatusOK {
		t.Fatalf("mum, an administrator, opening Users: %d", code)
	}
	if err := s.Admin().SetAdmin(ctx, "mum", false); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := mum.get("/users"); code != http.StatusForbidden {
		t.Errorf("mum, no longer an administrator, opening Users: %d, want 403", code)
	}
	if code, _, _ := mum.post("/users/kid/admin", url.Values{"admin": {"yes"}}); code != http.StatusForbidden {
		t.Errorf("mum, no longer an administrator, making kid one: %d, want 403", code)
	}
	if err := s.Admin().SetPassword(ctx, "mum", "a new password"); err != nil {
		t.Fatal(err)
	}
	if err := s.Admin().RemoveUser(ctx, "kid"); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*visitor{"mum after a new password": mum, "kid after removal": kid} {
		if code, _, loc := v.get("/computers"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
			t.Errorf("%s opening Computers: %d to %q, want the sign-in page", name, code, loc)
		}
	}
}

// The one-time message after a form comes only from a cookie a browser takes from this
// server over HTTPS (the __Host- prefix: Secure, Path=/, no Domain); one named as before,
// which a page on plain HTTP could set, puts no words on a page.
func TestAFlashCannotBePlanted(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	v := newVisitor(t, s)
	v.signIn("dad", pw)
	req, _ := http.NewRequest("POST", s.URL+"/storage/scrub", strings.NewReader(url.Values{"csrf": {v.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	resp, err := v.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "flash") {
			flash = c
		}
	}
	if flash == nil || !strings.HasPrefix(flash.Name, "__Host-") || !flash.Secure || flash.Path != "/" || flash.Domain != "" {
		t.Errorf("the flash cookie %+v: want a __Host- one, Secure, Path=/, no Domain", flash)
	}
	req, _ = http.NewRequest("GET", s.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "hearth_flash", Value: url.QueryEscape("error:Your drives are failing. Call 555-0100 now.")})
	resp, err = v.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "555-0100") {
		t.Error("a planted cookie put its words on Home")
	}
}

// Text others choose (a share's description, a backed-up file's name, a device's name,
// the name tried at a failed sign-in, the address after sign-in) shows as text on every
// page that has it, never as markup.
func TestOthersTextIsText(t *testing.T) {
	const evil = `"><img src=x onerror=alert(1)><script>alert(2)</script>`
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	ctx := context.Background()
	if _, err := s.Admin().CreateShare(ctx, "Notes", 1, evil); err != nil {
		t.Fatal(err)
	}
	if resp, out := s.Do("mum", pw, "POST", "/api/v1/devices", strings.NewReader(`{"name":"tab`+strings.ReplaceAll(evil, `"`, `\"`)+`"}`), "Content-Type", "application/json"); resp.StatusCode >= 500 {
		t.Fatalf("join: %d %s", resp.StatusCode, out)
	}
	backupfstest.Backup(t, s.App.Backups, "laptop", "mum", time.Now(), "/home/mum", []backupfstest.Entry{{Path: "x" + strings.ReplaceAll(evil, "/", "") + ".txt", Data: []byte("a")}})
	stranger := newVisitor(t, s)
	stranger.post("/signin", url.Values{"name": {evil}, "password": {"guess"}})
	_, body, _ := stranger.get("/signin?next=" + url.QueryEscape(evil))
	dad := newVisitor(t, s)
	dad.signIn("dad", pw)
	pages := map[string]string{"/signin?next=…": body}
	for _, p := range []string{"/shares", "/users/mum", "/events", "/computers/laptop/browse/" + url.PathEscape(folderOf(t, s, 0)) + "/home/mum/"} {
		_, pages[p], _ = dad.get(p)
	}
	for p, body := range pages {
		if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert") {
			t.Errorf("%s shows others' text as markup", p)
		}
		if !strings.Contains(body, "&lt;img src=x") {
			t.Errorf("%s does not show the text at all: the test proves nothing there", p)
		}
	}
	if !strings.Contains(pages["/events"], "onerror=alert(1)") {
		t.Error("Events does not show the name tried at the failed sign-in")
	}
}
