package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/pool"
)

// visitor is a browser without a window: a cookie jar, and the CSRF token of its session.
type visitor struct {
	t    *testing.T
	s    *apptest.Server
	c    *http.Client
	csrf string
}

func newVisitor(t *testing.T, s *apptest.Server) *visitor {
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *s.Client() // its own jar: s.Client() is shared
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &visitor{t: t, s: s, c: c}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn posts the sign-in form and keeps the session's CSRF token from a page.
func (v *visitor) signIn(name, password string) {
	v.t.Helper()
	code, _, _ := v.post("/signin", url.Values{"name": {name}, "password": {password}})
	if code != http.StatusSeeOther {
		v.t.Fatalf("sign in as %s: %d", name, code)
	}
	_, body, _ := v.get("/")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		v.t.Fatalf("no CSRF token on Home for %s", name)
	}
	v.csrf = m[1]
}

func (v *visitor) do(req *http.Request) (int, string, string) {
	v.t.Helper()
	req.Header.Set("Origin", v.s.URL)
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func (v *visitor) get(path string) (int, string, string) {
	req, _ := http.NewRequest("GET", v.s.URL+path, nil)
	return v.do(req)
}

func (v *visitor) post(path string, form url.Values) (int, string, string) {
	if form == nil {
		form = url.Values{}
	}
	if v.csrf != "" && !form.Has("csrf") {
		form.Set("csrf", v.csrf)
	}
	req, _ := http.NewRequest("POST", v.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.do(req)
}

// adminPages are every page and action only administrators may use, with a form that
// would change something if it were let through.
var adminPages = []struct {
	method, path string
	form         url.Values
}{
	{"GET", "/users", nil}, {"GET", "/users/dad", nil}, {"GET", "/shares", nil}, {"GET", "/shares/Public", nil},
	{"GET", "/storage", nil}, {"GET", "/events", nil}, {"GET", "/settings", nil},
	{"POST", "/users", url.Values{"name": {"intruder"}, "password": {"a long password"}, "again": {"a long password"}, "admin": {"on"}}},
	{"POST", "/users/dad/password", url.Values{"password": {"taken over!"}, "again": {"taken over!"}}},
	{"POST", "/users/mum/admin", url.Values{"admin": {"yes"}}},
	{"POST", "/users/dad/remove", nil},
	{"POST", "/users/dad/devices/x/remove", nil},
	{"POST", "/sessions/x/end", nil},
	{"POST", "/shares", url.Values{"name": {"Secret"}}},
	{"POST", "/access", url.Values{"a/dad/mum": {"full"}}},
	{"POST", "/shares/dad", url.Values{"description": {"mine now"}}},
	{"POST", "/storage/drives", url.Values{"path": {"/tmp"}}},
	{"POST", "/storage/drives/Drive 1/remove", url.Values{"force": {"on"}}},
	{"POST", "/storage/scrub", nil}, {"POST", "/storage/repair", nil},
	{"POST", "/computers/cleanup", nil},
	{"POST", "/computers/laptop/backups/x/delete", nil},
	{"POST", "/computers/laptop/backups/x/undelete", nil},
	{"POST", "/shares/Public/remove", nil},
	{"POST", "/shares/removed/Public/restore", nil},
	{"POST", "/shares/removed/Public/purge", nil},
	{"POST", "/settings", url.Values{"name": {"Taken"}, "metrics": {"lan"}}},
	{"POST", "/settings/restart", nil},
	{"POST", "/settings/shutdown", nil},
}

// A family member signed in sees no administrator's page and can do none of their
// actions; someone not signed in is sent to sign in; and nothing changed on the server.
func TestOnlyAdministratorsManage(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	backupfstest.Backup(t, s.App.Backups, "laptop", "mum", time.Now(), "/home/mum", []backupfstest.Entry{{Path: "a.txt", Data: []byte("a")}})
	mum, stranger := newVisitor(t, s), newVisitor(t, s)
	mum.signIn("mum", pw)
	for _, p := range adminPages {
		var code int
		var body string
		if p.method == "GET" {
			code, body, _ = mum.get(p.path)
		} else {
			code, body, _ = mum.post(p.path, p.form)
		}
		if code != http.StatusForbidden || !strings.Contains(body, "for the server&#39;s administrators") && !strings.Contains(body, "Only an administrator") {
			t.Errorf("mum: %s %s = %d, want 403 with words", p.method, p.path, code)
		}
		if p.method == "GET" {
			code, _, loc := stranger.get(p.path)
			if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?next=") {
				t.Errorf("not signed in: %s %s = %d to %q, want the sign-in page", p.method, p.path, code, loc)
			}
		} else if code, _, _ := stranger.post(p.path, p.form); code != http.StatusUnauthorized {
			t.Errorf("not signed in: %s %s = %d, want 401", p.method, p.path, code)
		}
	}
	ctx := context.Background()
	users, _ := s.Admin().Users(ctx)
	if len(users) != 2 || slices.ContainsFunc(users, func(u auth.User) bool { return u.Name == "mum" && u.Admin }) {
		t.Errorf("users after the attempts: %+v", users)
	}
	if _, err := s.App.Accounts.Verify(ctx, "dad", pw); err != nil {
		t.Errorf("dad's password after the attempts: %v", err)
	}
	if shares, _ := s.Admin().Shares(ctx); !slices.ContainsFunc(shares, func(sh pool.ShareInfo) bool { return sh.Name == "Public" }) {
		t.Error("Public was removed by the attempts")
	}
	if set, _ := s.Admin().Settings(ctx); set.ServerName == "Taken" || set.Metrics == "lan" {
		t.Errorf("settings after the attempts: %+v", set)
	}
	if ds, _ := s.Admin().Drives(ctx); len(ds) != 1 || ds[0].State != "active" {
		t.Errorf("drives after the attempts: %+v", ds)
	}
	if snaps, _ := s.App.Backups.Snapshots(ctx, "laptop"); len(snaps) != 1 {
		t.Errorf("laptop's backups after the attempts: %d", len(snaps))
	}
	// Her own PC she may see; another's not.
	if code, _, _ := mum.get("/computers/laptop"); code != http.StatusOK {
		t.Errorf("mum opening her laptop's page: %d", code)
	}
	backupfstest.Backup(t, s.App.Backups, "study", "dad", time.Now(), "/home/dad", []backupfstest.Entry{{Path: "b.txt", Data: []byte("b")}})
	for _, p := range []string{"/computers/study", "/computers/study/browse/x/"} {
		if code, body, _ := mum.get(p); code != http.StatusNotFound || strings.Contains(body, "b.txt") {
			t.Errorf("mum opening dad's %s: %d", p, code)
		}
	}
	if _, body, _ := mum.get("/computers"); strings.Contains(body, "study") {
		t.Error("mum's Computers lists dad's PC")
	}
}

// Every form needs its session's own CSRF token: without it, or with another session's,
// nothing happens.
func TestFormsNeedTheirSessionsToken(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	dad, mum := newVisitor(t, s), newVisitor(t, s)
	dad.signIn("dad", pw)
	mum.signIn("mum", pw)
	form := url.Values{"name": {"intruder"}, "password": {"a long password"}, "again": {"a long password"}}
	for _, token := range []string{"", mum.csrf, "x"} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("csrf", token)
		if code, body, _ := dad.post("/users", f); code != http.StatusForbidden || !strings.Contains(body, "This form is out of date") || !strings.Contains(body, "<h1>Sorry</h1>") {
			t.Errorf("adding a user with CSRF token %q: %d, want 403 and a page that says why: %s", token, code, body)
		}
	}
	if users, _ := s.Admin().Users(context.Background()); len(users) != 2 {
		t.Fatalf("a user was added without the form's token: %+v", users)
	}
	if code, _, _ := dad.post("/users", form); code != http.StatusSeeOther {
		t.Fatalf("with the token: %d", code)
	}
	if users, _ := s.Admin().Users(context.Background()); len(users) != 3 {
		t.Fatalf("users with the token: %+v", users)
	}
}

// The sign-in page says what went wrong in words, goes on only to this server's own
// pages, and a session a device's key made opens no page.
func TestSignIn(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	v := newVisitor(t, s)
	code, body, _ := v.post("/signin", url.Values{"name": {"dad"}, "password": {"wrong one"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "Wrong user name or password.") || strings.Contains(body, "WWW-Authenticate") {
		t.Errorf("a wrong password: %d %q", code, body)
	}
	for next, want := range map[string]string{"/users": "/users", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil.example": "/",
		"/users/../\\evil.example": "/"} {
		_, _, loc := v.post("/signin", url.Values{"name": {"dad"}, "password": {pw}, "next": {next}})
		if loc != want {
			t.Errorf("signed in with next=%q: on to %q, want %q", next, loc, want)
		}
	}
	// A PC's key signs in to the API; its session opens no page.
	resp, out := s.Do("dad", pw, "POST", "/api/v1/devices", strings.NewReader(`{"name":"study"}`), "Content-Type", "application/json")
	token := regexp.MustCompile(`"token":"([^"]+)"`).FindStringSubmatch(out)
	if resp.StatusCode != http.StatusCreated || token == nil {
		t.Fatalf("join: %s %s", resp.Status, out)
	}
	pc := newVisitor(t, s)
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/session", nil)
	req.Header.Set("Authorization", "Bearer "+token[1])
	if code, _, _ := pc.do(req); code != http.StatusOK {
		t.Fatalf("a session with the device's key: %d", code)
	}
	if code, _, loc := pc.get("/users"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin") {
		t.Errorf("a device's session opening Users: %d %q, want the sign-in page", code, loc)
	}
}
