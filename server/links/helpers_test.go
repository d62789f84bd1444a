package links_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
)

const (
	rootPW = "root-password1"
	annPW  = "ann-password1"
	bobPW  = "bob-password1"
)

// clock is the links' clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// family is a running hearthd with root (an administrator), ann (full access to Photos)
// and bob (none), and files: Photos/Trip/{a.jpg, notes.txt, sub/b.txt}, Photos/Secret.txt
// and bob/private.txt.
type family struct {
	*apptest.Server
	clock *clock
	guard *auth.Guard
	files map[string][]byte
}

func startFamily(t *testing.T) *family {
	t.Helper()
	f := &family{clock: &clock{t: time.Now()}, guard: auth.NewGuard()}
	// A quick guard: three failures lock an address out; the waits are short.
	f.guard.LockAfter, f.guard.FirstDelay, f.guard.MaxDelay = 3, time.Millisecond, 5*time.Millisecond
	f.Server = apptest.Start(t, func(o *app.Options) { o.Guard, o.LinkClock = f.guard, f.clock.Now })
	f.AddUser("root", rootPW, true)
	f.AddUser("ann", annPW, false)
	f.AddUser("bob", bobPW, false)
	ctx := context.Background()
	if _, err := f.Admin().CreateShare(ctx, "Photos", 0, ""); err != nil {
		t.Fatal(err)
	}
	f.SetAccess("Photos", "ann", "full")
	f.files = map[string][]byte{
		"Photos/Trip/a.jpg":     bytes.Repeat([]byte("jpeg"), 100000),
		"Photos/Trip/notes.txt": []byte("the trip's notes"),
		"Photos/Trip/sub/b.txt": []byte("in a subfolder"),
		"Photos/Secret.txt":     []byte("NOT-IN-THE-LINK"),
		"bob/private.txt":       []byte("BOB-PRIVATE"),
	}
	for _, dir := range []string{"Photos/Trip", "Photos/Trip/sub"} {
		if _, err := f.App.Pool.Mkdir(ctx, dir, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	for p, data := range f.files {
		f.write(p, data)
	}
	return f
}

func (f *family) write(p string, data []byte) {
	f.T.Helper()
	if _, err := f.App.Pool.WriteFile(context.Background(), p, bytes.NewReader(data), pool.WriteOptions{}); err != nil {
		f.T.Fatal(err)
	}
}

func (f *family) read(p string) []byte {
	f.T.Helper()
	r, err := f.App.Pool.Open(context.Background(), p)
	if err != nil {
		f.T.Fatalf("open %s: %v", p, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		f.T.Fatal(err)
	}
	return b
}

// link is a link as its maker got it.
type link struct {
	ID, URL string
	Path    string // the URL's path: /s/<token>/
	Token   string
}

// makeLink makes a link through the API as user, failing the test unless it is made.
func (f *family) makeLink(user, pw, body string) link {
	f.T.Helper()
	resp, text := f.Do(user, pw, "POST", "/api/v1/links", strings.NewReader(body), "Content-Type", "application/json")
	var l link
	if err := json.Unmarshal([]byte(text), &l); err != nil || resp.StatusCode != 201 || l.URL == "" {
		f.T.Fatalf("make link %s: %d %s", body, resp.StatusCode, text)
	}
	l.Path = strings.TrimPrefix(l.URL, "https://"+strings.TrimPrefix(f.URL, "https://"))
	l.Token = strings.Trim(strings.TrimPrefix(l.Path, "/s/"), "/")
	return l
}

// get fetches path signed out, exactly as written (no cleaning of dot segments).
func (f *family) get(path string, hdr ...string) (*http.Response, []byte) {
	f.T.Helper()
	return f.send("GET", path, nil, "", hdr...)
}

func (f *family) send(method, path string, body io.Reader, ctype string, hdr ...string) (*http.Response, []byte) {
	f.T.Helper()
	req, err := http.NewRequest(method, f.URL+"/", body)
	if err != nil {
		f.T.Fatal(err)
	}
	req.URL.Opaque = path // sent as is: "..", "%2e%2e" and doubled slashes reach the server
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.Client().Do(req)
	if err != nil {
		f.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// upload posts files as the upload page's form does.
func (f *family) upload(path string, files map[string][]byte, hdr ...string) (*http.Response, string) {
	f.T.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for name, data := range files {
		w, _ := mw.CreateFormFile("files", name)
		w.Write(data)
	}
	mw.Close()
	resp, body := f.send("POST", path, &b, mw.FormDataContentType(), hdr...)
	return resp, string(body)
}

// events are the texts of the event log's events of a kind, oldest first. They are read
// from the catalog itself: the API would be refused to an address the guard locked out.
func (f *family) events(kind string) []string {
	f.T.Helper()
	db, err := sql.Open("sqlite", "file:"+paths.Catalog(f.State)+"?mode=ro")
	if err != nil {
		f.T.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT text FROM events WHERE kind = ? ORDER BY id", kind)
	if err != nil {
		f.T.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var text string
		rows.Scan(&text)
		out = append(out, text)
	}
	return out
}
