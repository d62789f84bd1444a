package web_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/paths"
)

const pw = "correct horse"

// TestSignIn: no credentials or a wrong password get 401 with a Basic challenge; a
// password or a device token let you in; each failure is recorded as an event.
func TestSignIn(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	resp, _ := s.Do("", "", "GET", "/api/v1/me", nil)
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("no credentials: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// A page's own request (here an upload's, after the server forgot its session) is
	// refused in words without a challenge: the browser would hold it behind a password
	// dialog of its own.
	resp, body := s.Do("", "", "HEAD", "/api/v1/uploads/x", nil, "Sec-Fetch-Mode", "cors", "Cookie", "__Host-hearth_session=gone")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("a page's request: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	if resp, _ := s.Do("", "", "GET", "/api/v1/me", nil, "Sec-Fetch-Mode", "cors"); resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("a page's request without a session is not asked (a browser with a cached password answers it)")
	}
	if resp, _ := s.Do("", "", "GET", "/api/v1/me", nil, "Sec-Fetch-Mode", "navigate"); resp.Header.Get("WWW-Authenticate") == "" {
		t.Error("a browser opening the API's address is not asked for a password")
	}
	if resp, _ := s.Do("mum", "wrong password", "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("nobody", pw, "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	if resp, body := s.Do("MUM", pw, "GET", "/api/v1/me", nil); resp.StatusCode != 200 || !strings.Contains(body, `"name":"mum"`) {
		t.Errorf("right password (name in other case): %d %s", resp.StatusCode, body)
	}
	token, err := s.Admin().NewToken(context.Background(), "mum", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("mum", token, "GET", "/api/v1/me", nil); resp.StatusCode != 200 {
		t.Errorf("device token as password: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("", "", "GET", "/api/v1/me", nil, "Authorization", "Bearer "+token); resp.StatusCode != 200 {
		t.Errorf("device token as bearer: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("", "", "GET", "/api/v1/me", nil, "Authorization", "Bearer "+token+"x"); resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	// A password change ends the old password at once, even though checks are cached.
	if err := s.Admin().SetPassword(context.Background(), "mum", "another horse"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("mum", pw, "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("old password after a change: %d", resp.StatusCode)
	}
	events := failedSignIns(t, s)
	if len(events) != 4 { // wrong password, unknown user, wrong token, old password
		t.Errorf("%d failed sign-ins recorded, want 4: %+v", len(events), events)
	}
}

func failedSignIns(t *testing.T, s *apptest.Server) []catalog.Event {
	cat, err := catalog.Open(context.Background(), paths.Catalog(s.State))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	var es []catalog.Event
	cat.View(context.Background(), func(tx *catalog.Tx) (err error) { es, err = tx.Events(context.Background(), "", 100); return err })
	return es
}

// TestLockout: after too many wrong passwords an address must wait, even with the right
// password, while another address (and so the account) still works.
func TestLockout(t *testing.T) {
	g := auth.NewGuard()
	g.LockAfter, g.FirstDelay, g.MaxDelay = 5, time.Millisecond, 20*time.Millisecond
	// The guard's clock stands still, so every guess after the first is told to wait
	// however slowly the requests come, and the lockout does not end during the test.
	now := time.Now()
	g.Now = func() time.Time { return now }
	s := apptest.Start(t, func(o *app.Options) { o.Guard = g })
	s.AddUser("kid", pw, false)
	token, err := s.Admin().NewToken(context.Background(), "kid", "phone")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("kid", pw, "GET", "/api/v1/me", nil); resp.StatusCode != 200 { // now remembered as right
		t.Fatalf("right password: %d", resp.StatusCode)
	}
	for i := range 5 {
		resp, _ := s.Do("kid", "guess", "GET", "/api/v1/me", nil)
		if resp.StatusCode != 401 {
			t.Fatalf("guess %d: %d", i, resp.StatusCode)
		}
	}
	if st := g.Stats(); st.Delayed != 4 {
		t.Errorf("of 5 guesses one after another %d were made to wait, want 4 (all but the first): %+v", st.Delayed, st)
	}
	// The right password, though remembered as checked, would answer guesses for free.
	resp, body := s.Do("kid", pw, "GET", "/api/v1/me", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "wait") {
		t.Errorf("right password from a locked-out address: %d %q", resp.StatusCode, body)
	}
	// A device token cannot be guessed: the PC's agent goes on working.
	if resp, _ := s.Do("", "", "GET", "/api/v1/me", nil, "Authorization", "Bearer "+token); resp.StatusCode != 200 {
		t.Errorf("a device token from a locked-out address: %d, want 200", resp.StatusCode)
	}
	other := clientFrom(t, s, "127.0.0.2")
	req, _ := http.NewRequest("GET", s.URL+"/api/v1/me", nil)
	req.SetBasicAuth("kid", pw)
	r2, err := other.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 200 {
		t.Errorf("the same account from another address: %d, want 200", r2.StatusCode)
	}
	es := failedSignIns(t, s)
	if len(es) != 5 || es[0].Kind != "login-locked" || es[0].Source != "127.0.0.1" {
		t.Errorf("events: %+v", es)
	}
}

// clientFrom is an HTTPS client whose connections come from a given loopback address.
func clientFrom(t *testing.T, s *apptest.Server, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Roots()}, DialContext: d.DialContext}}
}

// TestPlainHTTPRedirects: the plain port only sends people to HTTPS.
func TestPlainHTTPRedirects(t *testing.T) {
	s := apptest.Start(t, func(o *app.Options) { o.HTTPListen = "127.0.0.1:0" })
	addr := s.App.PlainAddr()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get("http://" + addr + "/dav/Public/x?y=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusPermanentRedirect || u.Scheme != "https" || u.Host != strings.TrimPrefix(s.URL, "https://") || u.RequestURI() != "/dav/Public/x?y=1" {
		t.Errorf("plain HTTP: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestSetupPage: without an administrator, the one-time link creates one; a wrong link
// does nothing, and once set up the page only says so.
func TestSetupPage(t *testing.T) {
	s := apptest.Start(t)
	token := s.App.SetupToken()
	if token == "" {
		t.Fatal("no setup token while there is no administrator")
	}
	if resp, _ := s.Do("", "", "POST", "/setup", strings.NewReader("token=wrong&name=eve&password=longenough"), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 403 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("", "", "POST", "/setup", strings.NewReader("token="+token+"&name=dad&password=short"), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 400 {
		t.Errorf("short password: %d", resp.StatusCode)
	}
	if resp, body := s.Do("", "", "POST", "/setup", strings.NewReader("token="+token+"&name=dad&password="+url.QueryEscape(pw)), "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != 200 || !strings.Contains(body, "Done") {
		t.Errorf("setup: %d %s", resp.StatusCode, body)
	}
	if resp, body := s.Do("dad", pw, "PROPFIND", "/dav/Pictures/", nil, "Depth", "0"); resp.StatusCode != 207 {
		acc, err := s.Admin().Access(context.Background())
		t.Errorf("the new administrator opens Pictures: %d %q; access %+v %v", resp.StatusCode, body, acc, err)
	}
	if _, body := s.Do("", "", "POST", "/setup", strings.NewReader("token="+token+"&name=eve&password=longenough"), "Content-Type", "application/x-www-form-urlencoded"); !strings.Contains(body, "already set up") {
		t.Errorf("second setup: %s", body)
	}
	if us, _ := s.Admin().Users(context.Background()); len(us) != 1 {
		t.Errorf("users: %+v", us)
	}
}

// TestCertificate: the server presents a certificate from its own CA for its names, the
// CA is offered for download, and both stay the same across a restart.
func TestCertificate(t *testing.T) {
	s := apptest.Start(t)
	resp, body := s.Do("", "", "GET", "/ca.crt", nil)
	ca, _ := os.ReadFile(s.CAFile)
	if resp.StatusCode != 200 || body != string(ca) {
		t.Errorf("/ca.crt: %d", resp.StatusCode)
	}
	info, err := s.Admin().Server(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	conn := s.DialTLS("localhost")
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	for _, n := range []string{"localhost"} {
		if err := leaf.VerifyHostname(n); err != nil {
			t.Errorf("certificate not for %s: %v", n, err)
		}
	}
	s.Restart()
	again, _ := s.Admin().Server(context.Background())
	if again.Fingerprint != info.Fingerprint || again.CAFingerprint != info.CAFingerprint || info.Fingerprint == "" {
		t.Errorf("fingerprints changed across a restart: %+v, %+v", info, again)
	}
	if !strings.HasPrefix(info.URL, "https://") {
		t.Errorf("URL %q", info.URL)
	}
}

// TestSession: a page signs in once and then calls the API with its cookie; the cookie
// never opens the WebDAV drive, and signing out ends it.
func TestSession(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	if resp, _ := s.Do("mum", "wrong password", "POST", "/api/v1/session", nil); resp.StatusCode != 401 {
		t.Errorf("session with a wrong password: %d", resp.StatusCode)
	}
	resp, _ := s.Do("mum", pw, "POST", "/api/v1/session", nil)
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-hearth_session" {
			cookie = c
		}
	}
	if resp.StatusCode != 200 || cookie == nil || !cookie.Secure || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("sign in: %d %+v", resp.StatusCode, cookie)
	}
	with := func(method, path string) int {
		req, _ := http.NewRequest(method, s.URL+path, nil)
		req.AddCookie(cookie)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := with("GET", "/api/v1/me"); code != 200 {
		t.Errorf("API with the cookie: %d", code)
	}
	if code := with("PROPFIND", "/dav/Public/"); code != 401 {
		t.Errorf("WebDAV with only the cookie: %d, want 401", code)
	}
	if code := with("DELETE", "/api/v1/session"); code != 204 {
		t.Errorf("sign out: %d", code)
	}
	if code := with("GET", "/api/v1/me"); code != 401 {
		t.Errorf("API after signing out: %d", code)
	}
}

// TestParallelGuesses: guesses sent all at once count as much as one after another.
func TestParallelGuesses(t *testing.T) {
	g := auth.NewGuard()
	g.FirstDelay, g.MaxDelay = time.Millisecond, 5*time.Millisecond
	s := apptest.Start(t, func(o *app.Options) { o.Guard = g })
	s.AddUser("dad", pw, true)
	checked, refused := 0, 0
	for _, code := range parallelGets(s, 40, func(r *http.Request) { r.SetBasicAuth("dad", "guess") }) {
		switch code {
		case 401:
			checked++
		case 429:
			refused++
		}
	}
	if checked > g.LockAfter || checked+refused != 40 {
		t.Errorf("of 40 parallel guesses %d were checked (want at most %d) and %d refused", checked, g.LockAfter, refused)
	}
}

// TestParallelRightPassword: a PC opening a folder of photos sends many requests at once
// with the right password, before any was checked; none is refused or slowed as if it
// were guessing (requests being checked are not failures).
func TestParallelRightPassword(t *testing.T) {
	g := auth.NewGuard() // the usual guard: 10 failures lock out, waits up to 25 s
	s := apptest.Start(t, func(o *app.Options) { o.Guard = g })
	s.AddUser("mum", pw, false)
	codes := parallelGets(s, 16, func(r *http.Request) { r.SetBasicAuth("mum", pw) })
	for i, c := range codes {
		if c != 200 {
			t.Errorf("parallel request %d with the right password: %d", i, c)
		}
	}
	// A guard that counted them as failures told the later ones to wait, up to 25 s each.
	if st := g.Stats(); st.Delayed != 0 || st.Refused != 0 {
		t.Errorf("16 parallel requests with the right password were slowed or refused: %+v", st)
	}
}

// TestOthersFailureSlowsNoOne: someone at a shared PC (or a household's IPv6 /64) gets
// dad's password wrong, and a removed PC's agent keeps trying its dead token. Mum's PC
// then sends many requests at once with her password, checked a moment ago, and with her
// device token: none goes through the guard, so none waits for another, while a wrong
// password from the address still does and counts.
func TestOthersFailureSlowsNoOne(t *testing.T) {
	g := auth.NewGuard() // the usual guard: after a failure, one attempt at a time
	s := apptest.Start(t, func(o *app.Options) { o.Guard = g })
	s.AddUser("dad", pw, false)
	s.AddUser("mum", pw, false)
	token, err := s.Admin().NewToken(context.Background(), "mum", "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("dad", "guess", "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Fatalf("dad's wrong password: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("", "", "GET", "/api/v1/me", nil, "Authorization", "Bearer hth_removedremovedremovedremovedremo"); resp.StatusCode != 401 {
		t.Fatalf("a removed device's token: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("mum", pw, "GET", "/api/v1/me", nil); resp.StatusCode != 200 {
		t.Fatalf("mum's password: %d", resp.StatusCode)
	}
	before := g.Stats()
	pwCodes := make(chan []int, 1)
	go func() { pwCodes <- parallelGets(s, 16, func(r *http.Request) { r.SetBasicAuth("mum", pw) }) }()
	tokenCodes := parallelGets(s, 16, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	for i, c := range append(<-pwCodes, tokenCodes...) {
		if c != 200 {
			t.Errorf("parallel request %d of mum's: %d", i, c)
		}
	}
	if after := g.Stats(); after != before {
		t.Errorf("mum's requests with known credentials went through the guard after others' failures: %+v, then %+v", before, after)
	}
	if resp, _ := s.Do("mum", "guess", "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("a wrong password for mum: %d", resp.StatusCode)
	}
	if st := g.Stats(); st.Checked != before.Checked+1 {
		t.Errorf("a wrong password did not go through the guard: %+v, then %+v", before, st)
	}
}

// TestParallelPuts: one user's WebDAV client copies 40 files at once; every PUT succeeds.
func TestParallelPuts(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	codes := parallel(s, 40, func(i int) *http.Request {
		req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/dav/mum/photo%02d.jpg", s.URL, i), strings.NewReader("a photo"))
		req.SetBasicAuth("mum", pw)
		return req
	})
	for i, c := range codes {
		if c != 201 {
			t.Errorf("parallel PUT %d: %d, want 201", i, c)
		}
	}
}

// TestOptionsAtRoot: the server's root says it speaks WebDAV (Windows asks there first).
func TestOptionsAtRoot(t *testing.T) {
	s := apptest.Start(t)
	resp, _ := s.Do("", "", "OPTIONS", "/", nil)
	if resp.StatusCode != 200 || resp.Header.Get("DAV") != "1, 2" || resp.Header.Get("MS-Author-Via") != "DAV" {
		t.Errorf("OPTIONS /: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := s.Do("", "", "OPTIONS", "/dav/Public/", nil); resp.StatusCode != 401 {
		t.Errorf("OPTIONS inside the drive without signing in: %d, want 401", resp.StatusCode)
	}
}

// TestDevices: a PC joins with a user's password and gets a token of its own, which opens
// the drive and the API; the user sees their devices, and a removed device is shut out.
func TestDevices(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	s.AddUser("kid", pw, false)
	if resp, _ := s.Do("mum", "wrong password", "POST", "/api/v1/devices", strings.NewReader(`{"name":"laptop"}`), "Content-Type", "application/json"); resp.StatusCode != 401 {
		t.Errorf("join with a wrong password: %d", resp.StatusCode)
	}
	resp, body := s.Do("mum", pw, "POST", "/api/v1/devices", strings.NewReader(`{"name":"Mum's laptop"}`), "Content-Type", "application/json")
	var d struct{ ID, User, Name, Token string }
	json.Unmarshal([]byte(body), &d)
	if resp.StatusCode != 201 || d.ID == "" || !strings.HasPrefix(d.Token, "hth_") || d.User != "mum" || d.Name != "Mum's laptop" {
		t.Fatalf("join: %d %s", resp.StatusCode, body)
	}
	if resp, _ := s.Do("mum", d.Token, "POST", "/api/v1/devices", strings.NewReader(`{"name":"thief"}`), "Content-Type", "application/json"); resp.StatusCode != 403 {
		t.Errorf("a device token making another token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Do("", "", "POST", "/api/v1/devices", strings.NewReader(`{"name":"thief"}`), "Authorization", "Bearer "+d.Token); resp.StatusCode != 403 {
		t.Errorf("a bearer token making another token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Do("mum", d.Token, "PROPFIND", "/dav/mum/", nil, "Depth", "0"); resp.StatusCode != 207 {
		t.Errorf("the device token on the drive: %d", resp.StatusCode)
	}
	if _, list := s.Do("mum", pw, "GET", "/api/v1/devices", nil); !strings.Contains(list, d.ID) || strings.Contains(list, "hth_") {
		t.Errorf("mum's devices: %s", list)
	}
	if _, list := s.Do("kid", pw, "GET", "/api/v1/devices", nil); strings.Contains(list, d.ID) {
		t.Errorf("kid sees mum's device: %s", list)
	}
	if resp, _ := s.Do("kid", pw, "DELETE", "/api/v1/devices/"+d.ID, nil); resp.StatusCode != 404 {
		t.Errorf("kid removes mum's device: %d", resp.StatusCode)
	}
	if err := s.Admin().RemoveDevice(context.Background(), d.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := s.Do("mum", d.Token, "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("a removed device's token: %d, want 401", resp.StatusCode)
	}
	if ds, _ := s.Admin().Devices(context.Background()); len(ds) != 0 {
		t.Errorf("devices after removal: %+v", ds)
	}
}

// TestParallelDeviceRequests: a PC restoring or backing up sends many requests at once
// with its device token; none is refused or counted as a guess.
func TestParallelDeviceRequests(t *testing.T) {
	g := auth.NewGuard()
	g.LockAfter, g.FirstDelay, g.MaxDelay = 3, time.Second, 5*time.Second
	s := apptest.Start(t, func(o *app.Options) { o.Guard = g })
	s.AddUser("mum", pw, false)
	_, body := s.Do("mum", pw, "POST", "/api/v1/devices", strings.NewReader(`{"name":"laptop"}`), "Content-Type", "application/json")
	var d struct{ Token string }
	json.Unmarshal([]byte(body), &d)
	for _, c := range parallelGets(s, 20, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+d.Token) }) {
		if c != 200 {
			t.Fatalf("a parallel request with a good token got %d", c)
		}
	}
	// The password still goes through the guard: guesses in parallel are not all checked.
	if resp, _ := s.Do("mum", "guess", "GET", "/api/v1/me", nil); resp.StatusCode != 401 {
		t.Errorf("a wrong password: %d", resp.StatusCode)
	}
}

// parallelGets sends n requests for /api/v1/me at once, each signed in by sign, and
// returns their status codes (0 for a request that failed outright).
func parallelGets(s *apptest.Server, n int, sign func(*http.Request)) []int {
	return parallel(s, n, func(int) *http.Request {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/me", nil)
		sign(req)
		return req
	})
}

// parallel sends the n requests made by req at once and returns their status codes, in
// the order they came (0 for a request that failed outright).
func parallel(s *apptest.Server, n int, req func(i int) *http.Request) []int {
	codes := make(chan int, n)
	for i := range n {
		go func() {
			resp, err := s.Client().Do(req(i))
			if err != nil {
				codes <- 0
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	out := make([]int, n)
	for i := range out {
		out[i] = <-codes
	}
	return out
}
