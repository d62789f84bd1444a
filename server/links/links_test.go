package links_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/paths"

	_ "modernc.org/sqlite"
)

// TestReadLinkSignedOut: a read-only link to a folder opens signed out: a listing of
// that folder alone, each file downloaded byte for byte (with ranges), subfolders, and
// the folder as a zip; a link to a file shows its page and the file. The pages carry the
// console's strict policy and no referrer; files carry the sandbox headers.
func TestReadLinkSignedOut(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	if !strings.HasPrefix(l.Token, "hsl_") || len(l.Token) < 4+43 {
		t.Fatalf("token %q is not 256 random bits", l.Token)
	}

	resp, page := f.get(l.Path)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "a.jpg") || !strings.Contains(string(page), "sub/") ||
		strings.Contains(string(page), "Secret") {
		t.Fatalf("listing: %d %s", resp.StatusCode, page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") ||
		resp.Header.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("listing headers: %v", resp.Header)
	}
	resp, body := f.get(l.Path + "a.jpg?download")
	if resp.StatusCode != 200 || !bytes.Equal(body, f.files["Photos/Trip/a.jpg"]) {
		t.Fatalf("download: %d, %d bytes", resp.StatusCode, len(body))
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox") || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("a file's headers: %v", resp.Header)
	}
	resp, body = f.get(l.Path+"a.jpg", "Range", "bytes=4-11")
	if resp.StatusCode != 206 || string(body) != "jpegjpeg" {
		t.Errorf("range: %d %q", resp.StatusCode, body)
	}
	resp, body = f.get(l.Path + "sub/b.txt")
	if resp.StatusCode != 200 || string(body) != "in a subfolder" {
		t.Errorf("a subfolder's file: %d %q", resp.StatusCode, body)
	}
	resp, body = f.get(l.Path + "?zip")
	if resp.StatusCode != 200 {
		t.Fatalf("zip: %d", resp.StatusCode)
	}
	got := unzip(t, body)
	for p, data := range f.files {
		if rel, ok := strings.CutPrefix(p, "Photos/"); ok && strings.HasPrefix(rel, "Trip/") {
			if !bytes.Equal(got[rel], data) {
				t.Errorf("zip: %s differs", rel)
			}
			delete(got, rel)
		}
	}
	if len(got) != 0 {
		t.Errorf("zip has more than the folder: %v", got)
	}

	fl := f.makeLink("ann", annPW, `{"path": "Photos/Trip/notes.txt", "kind": "read"}`)
	resp, page = f.get(fl.Path)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "notes.txt") {
		t.Fatalf("a file's link: %d %s", resp.StatusCode, page)
	}
	resp, body = f.get(fl.Path + "notes.txt")
	if resp.StatusCode != 200 || string(body) != "the trip's notes" {
		t.Errorf("a file's link's file: %d %q", resp.StatusCode, body)
	}
	if resp, _ := f.get(fl.Path + "a.jpg"); resp.StatusCode != 404 {
		t.Errorf("a file's link reaches its neighbour: %d", resp.StatusCode)
	}
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, zf := range zr.File {
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		rc, _ := zf.Open()
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[zf.Name] = data
	}
	return out
}

// TestLinkPathTraversal: nothing outside the linked folder is reachable through its
// link, however the path is spelled.
func TestLinkPathTraversal(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	fl := f.makeLink("ann", annPW, `{"path": "Photos/Trip/notes.txt", "kind": "read"}`)
	for _, p := range []string{
		l.Path + "../Secret.txt",
		l.Path + "..%2FSecret.txt",
		l.Path + "%2e%2e/Secret.txt",
		l.Path + "sub/../../Secret.txt",
		l.Path + "sub/..%2F..%2FSecret.txt",
		l.Path + "../../bob/private.txt",
		l.Path + "..%2F..%2Fbob%2Fprivate.txt",
		l.Path + "../?zip",
		l.Path + "..%2F?zip",
		l.Path + ".%2F..%2F",
		l.Path + "/../Secret.txt",
		l.Path + "sub//../../Secret.txt",
		fl.Path + "../Secret.txt",
		fl.Path + "..%2Fa.jpg",
		"/s/" + l.Token + "%2F..%2F..%2FSecret.txt",
	} {
		resp, body := f.get(p)
		if resp.StatusCode < 300 && resp.StatusCode != 200 || bytes.Contains(body, []byte("NOT-IN-THE-LINK")) ||
			bytes.Contains(body, []byte("BOB-PRIVATE")) || (resp.StatusCode == 200 && !strings.Contains(resp.Header.Get("Content-Type"), "html")) ||
			bytes.Contains(body, []byte("Secret.txt")) {
			t.Errorf("%s: %d %.200s", p, resp.StatusCode, body)
		}
		if resp.StatusCode == 200 {
			t.Errorf("%s answered 200: %.200s", p, body)
		}
	}
}

// TestUploadLink: an upload-only link takes files into its folder, each under a name no
// file there has ("photo (2).jpg" beside "photo.jpg"), never replacing one; it never
// lists the folder nor opens a file in it, and its limit of files holds.
func TestUploadLink(t *testing.T) {
	f := startFamily(t)
	f.write("Photos/Trip/photo.jpg", []byte("the original"))
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "upload", "max_files": 3}`)

	resp, page := f.get(l.Path)
	if resp.StatusCode != 200 || !strings.Contains(string(page), `type="file"`) {
		t.Fatalf("upload page: %d %s", resp.StatusCode, page)
	}
	for _, name := range []string{"a.jpg", "notes.txt", "photo.jpg", "sub/"} {
		if strings.Contains(string(page), name) {
			t.Errorf("the upload page shows %q: %s", name, page)
		}
	}
	for _, p := range []string{"a.jpg", "notes.txt", "sub/", "sub/b.txt", "?zip", "photo.jpg?download"} {
		resp, body := f.get(l.Path + p)
		if (p != "?zip" && resp.StatusCode != 404) || bytes.Contains(body, []byte("jpegjpeg")) || bytes.Contains(body, []byte("trip's notes")) ||
			bytes.Contains(body, []byte("in a subfolder")) || (p == "?zip" && strings.Contains(string(body), "a.jpg")) {
			t.Errorf("upload link %s: %d %.200s", p, resp.StatusCode, body)
		}
	}

	resp, text := f.upload(l.Path, map[string][]byte{"photo.jpg": []byte("a new photo")})
	if resp.StatusCode != 200 || !strings.Contains(text, "photo (2).jpg") {
		t.Fatalf("upload: %d %s", resp.StatusCode, text)
	}
	if got := f.read("Photos/Trip/photo.jpg"); string(got) != "the original" {
		t.Errorf("the upload replaced a file: %q", got)
	}
	if got := f.read("Photos/Trip/photo (2).jpg"); string(got) != "a new photo" {
		t.Errorf("the upload: %q", got)
	}
	resp, text = f.upload(l.Path, map[string][]byte{`C:\Users\x\photo.jpg`: []byte("third")})
	if resp.StatusCode != 200 || !strings.Contains(text, "photo (3).jpg") || string(f.read("Photos/Trip/photo (3).jpg")) != "third" {
		t.Errorf("a second upload of the same name: %d %s", resp.StatusCode, text)
	}
	// Names that would step out of the folder stay in it, as their last part.
	resp, text = f.upload(l.Path, map[string][]byte{"../../bob/evil.txt": []byte("x")})
	if resp.StatusCode != 200 || string(f.read("Photos/Trip/evil.txt")) != "x" {
		t.Errorf("a name with a path: %d %s", resp.StatusCode, text)
	}
	if _, err := f.App.Pool.Stat(context.Background(), "bob/evil.txt"); err == nil {
		t.Error("an upload landed in another share")
	}
	// The link took 3 files: the fourth is refused.
	resp, text = f.upload(l.Path, map[string][]byte{"four.txt": []byte("4")})
	if resp.StatusCode != 400 || !strings.Contains(text, "all the files") {
		t.Errorf("over the limit: %d %s", resp.StatusCode, text)
	}
	if _, err := f.App.Pool.Stat(context.Background(), "Photos/Trip/four.txt"); err == nil {
		t.Error("a file over the link's limit arrived")
	}
	// One event per upload, naming what arrived.
	if ev := f.events("link"); !strings.Contains(strings.Join(ev, "\n"), "photo (2).jpg") {
		t.Errorf("events: %q", ev)
	}
}

// TestUploadLinkByteLimit: a file larger than what the link may still take in is not
// kept.
func TestUploadLinkByteLimit(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "upload", "max_bytes": 10}`)
	resp, text := f.upload(l.Path, map[string][]byte{"big.bin": bytes.Repeat([]byte("x"), 11)})
	if resp.StatusCode != 400 || !strings.Contains(text, "larger") {
		t.Errorf("over the byte limit: %d %s", resp.StatusCode, text)
	}
	if _, err := f.App.Pool.Stat(context.Background(), "Photos/Trip/big.bin"); err == nil {
		t.Error("a file over the link's byte limit arrived")
	}
}

// TestReadLinkCannotUpload: a read-only link takes nothing in.
func TestReadLinkCannotUpload(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	for _, p := range []string{l.Path, l.Path + "sub/"} {
		resp, text := f.upload(p, map[string][]byte{"new.txt": []byte("x")})
		if resp.StatusCode != 405 {
			t.Errorf("upload through a read link at %s: %d %s", p, resp.StatusCode, text)
		}
	}
	for _, p := range []string{"Photos/Trip/new.txt", "Photos/Trip/sub/new.txt"} {
		if _, err := f.App.Pool.Stat(context.Background(), p); err == nil {
			t.Errorf("%s arrived through a read-only link", p)
		}
	}
	for _, m := range []string{"PUT", "DELETE"} {
		if resp, _ := f.send(m, l.Path+"a.jpg", strings.NewReader("x"), "text/plain"); resp.StatusCode != 405 {
			t.Errorf("%s through a read link: %d", m, resp.StatusCode)
		}
	}
	if got := f.read("Photos/Trip/a.jpg"); !bytes.Equal(got, f.files["Photos/Trip/a.jpg"]) {
		t.Error("a read link changed a file")
	}
}

// TestLinkTokenStoredAsDigest: the catalog keeps the token's SHA-256 alone, nowhere in
// clear.
func TestLinkTokenStoredAsDigest(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read", "password": "open sesame"}`)
	db, err := sql.Open("sqlite", "file:"+paths.Catalog(f.State)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var digest []byte
	var hash string
	if err := db.QueryRow("SELECT digest, hash FROM links WHERE id = ?", l.ID).Scan(&digest, &hash); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte(l.Token))
	if !bytes.Equal(digest, want[:]) {
		t.Errorf("digest %x, want the token's SHA-256 %x", digest, want)
	}
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Errorf("the password is kept as %q, not an argon2id hash", hash)
	}
	// No column of any row of any table holds the token or the password in clear.
	rows, err := db.Query("SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	secret := l.Token[len("hsl_"):]
	for _, table := range tables {
		var n int
		// Every column, as text, joined: a token anywhere is found.
		cols, err := db.Query(fmt.Sprintf("SELECT * FROM %q", table))
		if err != nil {
			t.Fatal(err)
		}
		names, _ := cols.Columns()
		for cols.Next() {
			vals := make([]any, len(names))
			ptrs := make([]any, len(names))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			cols.Scan(ptrs...)
			for _, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				if strings.Contains(s, secret) || strings.Contains(s, "open sesame") {
					t.Errorf("table %s holds the link's token or password in clear", table)
				}
			}
			n++
		}
		cols.Close()
	}
}

// TestLinkPassword: a link with a password opens only after it is given; wrong ones are
// refused and counted by the guard until the address is locked out.
func TestLinkPassword(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read", "password": "open sesame"}`)
	for _, p := range []string{l.Path, l.Path + "a.jpg", l.Path + "?zip"} {
		resp, body := f.get(p)
		if resp.StatusCode != 401 || bytes.Contains(body, []byte("jpegjpeg")) || bytes.Contains(body, []byte("a.jpg")) {
			t.Errorf("%s without the password: %d %.200s", p, resp.StatusCode, body)
		}
	}
	form := "application/x-www-form-urlencoded"
	resp, _ := f.send("POST", l.Path+"?unlock", strings.NewReader("password=wrong+guess"), form)
	if resp.StatusCode != 401 {
		t.Errorf("a wrong password: %d", resp.StatusCode)
	}
	resp, _ = f.send("POST", l.Path+"?unlock", strings.NewReader("password=open+sesame"), form)
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		cookie = c
	}
	if resp.StatusCode != 303 || cookie == nil || !cookie.Secure || !cookie.HttpOnly {
		t.Fatalf("the right password: %d %v", resp.StatusCode, resp.Cookies())
	}
	resp, body := f.get(l.Path+"a.jpg", "Cookie", cookie.Name+"="+cookie.Value)
	if resp.StatusCode != 200 || !bytes.Equal(body, f.files["Photos/Trip/a.jpg"]) {
		t.Errorf("with the password's cookie: %d", resp.StatusCode)
	}
	// A forged cookie opens nothing.
	if resp, _ := f.get(l.Path+"a.jpg", "Cookie", cookie.Name+"="+strings.Repeat("0", len(cookie.Value))); resp.StatusCode != 401 {
		t.Errorf("a forged cookie: %d", resp.StatusCode)
	}
	// Three wrong passwords (the right one forgave the first) lock the address out, for
	// the right password too.
	for range 3 {
		f.send("POST", l.Path+"?unlock", strings.NewReader("password=wrong+again"), form)
	}
	if resp, _ := f.send("POST", l.Path+"?unlock", strings.NewReader("password=open+sesame"), form); resp.StatusCode != 429 {
		t.Errorf("after three wrong passwords: %d, want 429", resp.StatusCode)
	}
	if ev := f.events("link-failed"); len(ev) == 0 || !strings.Contains(ev[len(ev)-1], "wrong password") {
		t.Errorf("failed passwords in the log: %q", ev)
	}
}

// TestWrongTokensGoThroughGuard: every look-up of a token is an attempt the guard lets
// through, and a token that is no link's a failure: a handful lock the address out, and
// then even a right token waits.
func TestWrongTokensGoThroughGuard(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	before := f.guard.Stats()
	if resp, _ := f.get(l.Path); resp.StatusCode != 200 {
		t.Fatalf("the link: %d", resp.StatusCode)
	}
	if got := f.guard.Stats(); got.Checked != before.Checked+1 {
		t.Errorf("a link's look-up was not checked by the guard: %+v then %+v", before, got)
	}
	wrong := l.Path[:len(l.Path)-3] + "xx/" // one character off
	for i := range 3 {
		resp, body := f.get(wrong)
		if resp.StatusCode != 404 || bytes.Contains(body, []byte("a.jpg")) {
			t.Errorf("wrong token %d: %d %.200s", i, resp.StatusCode, body)
		}
	}
	for _, p := range []string{wrong, l.Path} {
		if resp, _ := f.get(p); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s after three wrong tokens: %d, want 429 with Retry-After", p, resp.StatusCode)
		}
	}
	if got := f.guard.Stats(); got.Refused < 2 {
		t.Errorf("the guard refused %d", got.Refused)
	}
	if ev := f.events("link-failed"); len(ev) < 2 {
		t.Errorf("wrong tokens in the log: %q", ev)
	}
}

// TestLinkStops: a link stops at once when it expires (by the links' clock), when it is
// revoked (by its owner or an administrator; no one else may), when its owner is
// removed, and when its owner loses the access it needs.
func TestLinkStops(t *testing.T) {
	f := startFamily(t)
	works := func(l link) bool {
		t.Helper()
		resp, _ := f.get(l.Path)
		return resp.StatusCode == 200
	}
	expires := f.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	exp := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read", "expires": "`+expires+`"}`)
	keep := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	if !works(exp) || !works(keep) {
		t.Fatal("new links do not work")
	}
	f.clock.Add(59 * time.Minute)
	if !works(exp) {
		t.Error("a link stopped before its expiry")
	}
	f.clock.Add(2 * time.Minute)
	if resp, body := f.get(exp.Path + "a.jpg"); resp.StatusCode != 410 || bytes.Contains(body, []byte("jpegjpeg")) {
		t.Errorf("after its expiry: %d", resp.StatusCode)
	}
	if !works(keep) {
		t.Error("a link without expiry stopped")
	}
	// A link's expiry must be ahead.
	if resp, text := f.Do("ann", annPW, "POST", "/api/v1/links", strings.NewReader(`{"path": "Photos/Trip", "kind": "read", "expires": "2001-01-01T00:00:00Z"}`), "Content-Type", "application/json"); resp.StatusCode != 400 {
		t.Errorf("an expiry in the past: %d %s", resp.StatusCode, text)
	}

	// Revoking: bob may not (and learns nothing), ann may, and then it is gone at once.
	if resp, _ := f.Do("bob", bobPW, "DELETE", "/api/v1/links/"+keep.ID, nil); resp.StatusCode != 404 || !works(keep) {
		t.Errorf("bob revoking ann's link: %d", resp.StatusCode)
	}
	_, list := f.Do("bob", bobPW, "GET", "/api/v1/links", nil)
	if strings.Contains(list, keep.ID) {
		t.Errorf("bob sees ann's links: %s", list)
	}
	_, list = f.Do("root", rootPW, "GET", "/api/v1/links", nil)
	if !strings.Contains(list, keep.ID) {
		t.Errorf("an administrator does not see ann's link: %s", list)
	}
	if resp, _ := f.Do("ann", annPW, "DELETE", "/api/v1/links/"+keep.ID, nil); resp.StatusCode != 204 || works(keep) {
		t.Errorf("ann revoking her link: %d", resp.StatusCode)
	}
	byAdmin := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	if resp, _ := f.Do("root", rootPW, "DELETE", "/api/v1/links/"+byAdmin.ID, nil); resp.StatusCode != 204 || works(byAdmin) {
		t.Errorf("an administrator revoking ann's link: %d", resp.StatusCode)
	}

	// Access lost: an upload link needs full access, a read link read.
	up := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "upload"}`)
	rd := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	f.SetAccess("Photos", "ann", "read")
	if works(up) || !works(rd) {
		t.Error("with read access: the upload link works or the read link does not")
	}
	if resp, _ := f.upload(up.Path, map[string][]byte{"x.txt": []byte("x")}); resp.StatusCode != 410 {
		t.Errorf("upload after access lost: %d", resp.StatusCode)
	}
	f.SetAccess("Photos", "ann", "none")
	if works(rd) {
		t.Error("a read link works after its owner lost access")
	}
	f.SetAccess("Photos", "ann", "full")
	if !works(rd) {
		t.Error("a read link does not work when its owner has access again")
	}
	// Owner removed: the link is gone with them.
	if err := f.Admin().RemoveUser(context.Background(), "ann"); err != nil {
		t.Fatal(err)
	}
	if works(rd) {
		t.Error("a removed user's link still works")
	}
	// Someone without access cannot make a link.
	if resp, text := f.Do("bob", bobPW, "POST", "/api/v1/links", strings.NewReader(`{"path": "Photos/Trip", "kind": "read"}`), "Content-Type", "application/json"); resp.StatusCode != 403 {
		t.Errorf("bob making a link to Photos: %d %s", resp.StatusCode, text)
	}
}

// TestLinkEvents: each use is in the event log, once per visit or download in a while
// (a video's many range requests are one download), not once per request.
func TestLinkEvents(t *testing.T) {
	f := startFamily(t)
	l := f.makeLink("ann", annPW, `{"path": "Photos/Trip", "kind": "read"}`)
	before := len(f.events("link"))
	for range 3 {
		f.get(l.Path)
		f.get(l.Path+"a.jpg", "Range", "bytes=0-3")
	}
	ev := f.events("link")
	if len(ev)-before != 2 {
		t.Errorf("%d events for 3 visits and 3 reads of one file, want 2: %q", len(ev)-before, ev)
	}
	if !strings.Contains(strings.Join(ev, "\n"), "downloaded Photos/Trip/a.jpg") {
		t.Errorf("events: %q", ev)
	}
	f.clock.Add(11 * time.Minute)
	f.get(l.Path)
	if n := len(f.events("link")); n != len(ev)+1 {
		t.Errorf("a visit later is not recorded: %d events, had %d", n, len(ev))
	}
}
