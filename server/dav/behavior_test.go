package dav_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
)

const pw = "correct horse"

// family starts a server with an administrator "dad" and users whose level on Public is
// their name: none, read and full.
func family(t *testing.T, edit ...func(*app.Options)) *apptest.Server {
	s := apptest.Start(t, edit...)
	s.AddUser("dad", pw, true)
	for _, u := range []string{"none", "read", "full"} {
		s.AddUser(u, pw, false)
		s.SetAccess("Public", u, u)
	}
	return s
}

func writeFile(t *testing.T, s *apptest.Server, path, content string) {
	t.Helper()
	if _, err := s.App.Pool.WriteFile(context.Background(), path, strings.NewReader(content), pool.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, s *apptest.Server, path string) (string, bool) {
	t.Helper()
	f, err := s.App.Pool.Open(context.Background(), path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	var b bytes.Buffer
	b.ReadFrom(f)
	return b.String(), true
}

const propfindBody = `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`
const proppatchBody = `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop><Z:color>blue</Z:color></D:prop></D:set></D:propertyupdate>`
const lockBody = `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>test</D:owner></D:lockinfo>`

// TestPermissions checks each access level against each method: "none" sees nothing (404),
// "read" reads and never changes a byte (403), "full" may do everything.
func TestPermissions(t *testing.T) {
	s := family(t)
	dst := func(p string) []string { return []string{"Destination", s.URL + "/dav/Public/" + p} }
	cases := []struct {
		method, path, body string
		hdr                []string
		full               int
	}{
		{"GET", "f.txt", "", nil, 200},
		{"HEAD", "f.txt", "", nil, 200},
		{"PROPFIND", "f.txt", propfindBody, []string{"Depth", "0"}, 207},
		{"PROPFIND", "", propfindBody, []string{"Depth", "1"}, 207},
		{"PUT", "f.txt", "changed", nil, 201},
		{"PUT", "new.txt", "new", nil, 201},
		{"DELETE", "f.txt", "", nil, 204},
		{"DELETE", "dir", "", nil, 204},
		{"MKCOL", "dir2", "", nil, 201},
		{"PROPPATCH", "f.txt", proppatchBody, nil, 207},
		{"MOVE", "f.txt", "", dst("moved.txt"), 201},
		{"COPY", "f.txt", "", dst("copied.txt"), 201},
		{"LOCK", "f.txt", lockBody, nil, 200},
	}
	for _, c := range cases {
		for _, user := range []string{"none", "read", "full"} {
			t.Run(c.method+"_"+c.path+"_"+user, func(t *testing.T) {
				writeFile(t, s, "Public/f.txt", "original")
				s.App.Pool.Mkdir(context.Background(), "Public/dir", time.Time{})
				resp, _ := s.Do(user, pw, c.method, "/dav/Public/"+c.path, strings.NewReader(c.body), c.hdr...)
				want := map[string]int{"none": 404, "read": 403, "full": c.full}[user]
				if m := c.method; user == "read" && (m == "GET" || m == "HEAD" || m == "PROPFIND") {
					want = c.full
				}
				got := resp.StatusCode
				if c.method == "PUT" && user == "full" && got == 204 {
					got = 201 // an overwrite answers 204
				}
				if got != want {
					t.Errorf("%s %s as %s: %d, want %d", c.method, c.path, user, resp.StatusCode, want)
				}
				if user != "full" {
					if b, ok := readFile(t, s, "Public/f.txt"); !ok || b != "original" {
						t.Errorf("%s as %s changed f.txt to %q (%v)", c.method, user, b, ok)
					}
					for _, p := range []string{"Public/new.txt", "Public/dir2", "Public/moved.txt", "Public/copied.txt"} {
						if _, err := s.App.Pool.Stat(context.Background(), p); err == nil {
							t.Errorf("%s as %s made %s", c.method, user, p)
						}
					}
				}
				for _, p := range []string{"Public/new.txt", "Public/dir2", "Public/moved.txt", "Public/copied.txt"} {
					s.App.Pool.Remove(context.Background(), p)
				}
				s.Do("dad", pw, "UNLOCK", "/dav/Public/f.txt", nil) // no token: a no-op unless locked
				unlockAll(t, s, "Public/f.txt")
			})
		}
	}
}

// unlockAll removes the locks on a path by reading them from lockdiscovery.
func unlockAll(t *testing.T, s *apptest.Server, path string) {
	_, body := s.Do("dad", pw, "PROPFIND", "/dav/"+path, strings.NewReader(`<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>`), "Depth", "0")
	for _, m := range regexp.MustCompile(`<D:locktoken><D:href>([^<]+)</D:href>`).FindAllStringSubmatch(body, -1) {
		s.Do("dad", pw, "UNLOCK", "/dav/"+path, nil, "Lock-Token", "<"+m[1]+">")
	}
}

// TestShareVisibility: the top folder lists only the shares a user may read, and a
// share nobody gave you does not exist for you.
func TestShareVisibility(t *testing.T) {
	s := family(t)
	_, body := s.Do("read", pw, "PROPFIND", "/dav/", strings.NewReader(propfindBody), "Depth", "1")
	for _, want := range []string{"/dav/Public/", "/dav/read/", "/dav/Documents/"} {
		if !strings.Contains(body, want) {
			t.Errorf("read does not see %s", want)
		}
	}
	for _, hidden := range []string{"/dav/dad/", "/dav/full/"} {
		if strings.Contains(body, hidden) {
			t.Errorf("read sees %s", hidden)
		}
	}
	if resp, _ := s.Do("read", pw, "GET", "/dav/dad/", nil); resp.StatusCode != 404 {
		t.Errorf("another user's share: %d, want 404", resp.StatusCode)
	}
	// The top folder cannot be written: shares are an administrator's business.
	for _, m := range []string{"MKCOL", "PUT", "DELETE"} {
		if resp, _ := s.Do("dad", pw, m, "/dav/NewShare", nil); resp.StatusCode != 403 {
			t.Errorf("%s at the top: %d, want 403", m, resp.StatusCode)
		}
	}
	if resp, _ := s.Do("dad", pw, "DELETE", "/dav/Public/", nil); resp.StatusCode != 403 {
		t.Errorf("DELETE of a share: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Do("dad", pw, "MOVE", "/dav/Public/", nil, "Destination", s.URL+"/dav/Public2/"); resp.StatusCode != 403 {
		t.Errorf("MOVE of a share: %d, want 403", resp.StatusCode)
	}
}

// TestHostilePaths: paths that would escape a share are refused, whatever their spelling,
// and nothing is written.
func TestHostilePaths(t *testing.T) {
	s := family(t)
	writeFile(t, s, "dad/secret.txt", "secret")
	// A symlink planted on the drive, pointing out of the pool.
	drive := paths.FirstDrive(s.State)
	if err := os.Symlink("/etc", filepath.Join(drive, "Shares", "Public", "link")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/dav/Public/../dad/secret.txt",
		"/dav/Public/%2e%2e/dad/secret.txt",
		"/dav/Public/%2E%2E%2Fdad%2Fsecret.txt",
		"/dav/Public/..%5cdad%5csecret.txt",
		"/dav/Public/a%5cb",
		"/dav/Public/a%00b",
		"/dav/Public//x",
		"/dav/Public/./x",
		"/dav/Public/%2fetc%2fpasswd",
		"/dav/../etc/passwd",
		"/dav/Public/link/passwd",
		"/dav/Public/link",
	} {
		for _, m := range []string{"GET", "PUT", "DELETE", "PROPFIND"} {
			resp, body := s.Do("full", pw, m, p, strings.NewReader("x"), "Depth", "0")
			if resp.StatusCode != 400 && resp.StatusCode != 404 && !(m == "PUT" && resp.StatusCode == 409) {
				// 409 for a PUT: its folder is missing, or the drive has a link at its name.
				t.Errorf("%s %s: %d, want 400 or 404 (or 409 for a PUT)", m, p, resp.StatusCode)
			}
			if strings.Contains(body, "root:") || body == "secret" {
				t.Errorf("%s %s leaked: %q", m, p, body)
			}
		}
	}
	writeFile(t, s, "Public/mine.txt", "mine")
	for _, d := range []string{"/dav/Public/../dad/stolen.txt", "/dav/Public/%2e%2e/dad/stolen.txt", "/dav/dad/stolen.txt"} {
		resp, _ := s.Do("full", pw, "COPY", "/dav/Public/mine.txt", nil, "Destination", s.URL+d)
		if resp.StatusCode != 400 && resp.StatusCode != 404 {
			t.Errorf("COPY to %s: %d, want 400 or 404", d, resp.StatusCode)
		}
	}
	if b, ok := readFile(t, s, "dad/secret.txt"); !ok || b != "secret" {
		t.Errorf("dad's file is now %q", b)
	}
	if _, err := s.App.Pool.Stat(context.Background(), "dad/stolen.txt"); err == nil {
		t.Error("a file landed in dad's share")
	}
	if _, err := os.Stat("/etc/x"); err == nil {
		t.Error("a file landed in /etc")
	}
}

// TestMalformedXML: broken, hostile and oversized XML bodies get a 400-class answer and
// the server goes on working.
func TestMalformedXML(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/f.txt", "x")
	bodies := map[string]string{
		"not xml":         "this is not xml",
		"unclosed":        `<D:propfind xmlns:D="DAV:"><D:prop>`,
		"wrong root":      `<D:lockdiscovery xmlns:D="DAV:"/>`,
		"empty namespace": `<D:propfind xmlns:D="DAV:"><D:prop><z:x xmlns:z=""/></D:prop></D:propfind>`,
		"entities":        `<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><D:propfind xmlns:D="DAV:"><D:prop>&b;</D:prop></D:propfind>`,
		"huge":            `<D:propfind xmlns:D="DAV:"><D:prop>` + strings.Repeat("<D:x/>", 300000) + `</D:prop></D:propfind>`,
	}
	for name, body := range bodies {
		for _, m := range []string{"PROPFIND", "PROPPATCH", "LOCK"} {
			resp, _ := s.Do("full", pw, m, "/dav/Public/f.txt", strings.NewReader(body), "Depth", "0")
			if resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Errorf("%s with %s: %d, want 4xx", m, name, resp.StatusCode)
			}
		}
	}
	if resp, _ := s.Do("full", pw, "PROPFIND", "/dav/Public/f.txt", strings.NewReader(propfindBody), "Depth", "0"); resp.StatusCode != 207 {
		t.Errorf("after the bad bodies, PROPFIND: %d", resp.StatusCode)
	}
	unlockAll(t, s, "Public/f.txt")
}

// TestInterruptedUpload: a PUT cut off mid-body, with a length or chunked, leaves the
// previous file untouched and no new file behind. The client either goes away or (half
// closed) ends its side and waits for the answer, which then says the upload broke off:
// the request is not cancelled then, so only the server's own check keeps the old file.
func TestInterruptedUpload(t *testing.T) {
	s := family(t)
	old := strings.Repeat("old bytes ", 100000)
	writeFile(t, s, "Public/keep.bin", old)
	for _, c := range []struct {
		name, path, headers, body string
		halfClose                 bool
	}{
		{"length", "keep.bin", "Content-Length: 1048576\r\n", strings.Repeat("n", 300000), false},
		{"chunked", "keep.bin", "Transfer-Encoding: chunked\r\n", "10000\r\n" + strings.Repeat("c", 0x10000) + "\r\n8000\r\n" + strings.Repeat("c", 100), false},
		{"new file", "fresh.bin", "Content-Length: 1048576\r\n", strings.Repeat("n", 300000), false},
		{"half closed", "keep.bin", "Content-Length: 1048576\r\n", strings.Repeat("n", 300000), true},
		{"half closed, chunked", "keep.bin", "Transfer-Encoding: chunked\r\n", "10000\r\n" + strings.Repeat("c", 0x10000), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn := s.DialTLS("127.0.0.1")
			auth := base64.StdEncoding.EncodeToString([]byte("full:" + pw))
			fmt.Fprintf(conn, "PUT /dav/Public/%s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\n%s\r\n%s",
				c.path, strings.TrimPrefix(s.URL, "https://"), auth, c.headers, c.body)
			if c.halfClose {
				conn.CloseWrite()
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatalf("no answer to a half-closed upload: %v", err)
				}
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("a half-closed upload: %d, want 400", resp.StatusCode)
				}
			} else {
				time.Sleep(100 * time.Millisecond)
			}
			conn.Close()
			waitNoTemp(t, s)
			if b, ok := readFile(t, s, "Public/keep.bin"); !ok || b != old {
				t.Errorf("keep.bin changed: %d bytes, %v", len(b), ok)
			}
			if _, err := s.App.Pool.Stat(context.Background(), "Public/fresh.bin"); err == nil {
				t.Error("a cut-off upload made a file")
			}
		})
	}
}

// waitNoTemp waits until no partial file is left on the drive.
func waitNoTemp(t *testing.T, s *apptest.Server) {
	t.Helper()
	for i := 0; ; i++ {
		left := 0
		filepath.WalkDir(paths.FirstDrive(s.State), func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".part") {
				left++
			}
			return nil
		})
		if left == 0 {
			return
		}
		if i > 500 {
			t.Fatalf("%d partial files stay on the drive", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var tokenRE = regexp.MustCompile(`<(urn:uuid:[^>]+)>`)

func lock(t *testing.T, s *apptest.Server, path string) string {
	t.Helper()
	resp, body := s.Do("full", pw, "LOCK", "/dav/"+path, strings.NewReader(lockBody), "Timeout", "Second-600")
	m := tokenRE.FindStringSubmatch(resp.Header.Get("Lock-Token"))
	if resp.StatusCode != 200 && resp.StatusCode != 201 || m == nil {
		t.Fatalf("LOCK %s: %d %s", path, resp.StatusCode, body)
	}
	return m[1]
}

// TestLocksSurviveRestart: a lock taken before a restart still keeps others out after it,
// and still works for its owner.
func TestLocksSurviveRestart(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/doc.txt", "v1")
	token := lock(t, s, "Public/doc.txt")
	s.Restart()
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/doc.txt", strings.NewReader("intruder")); resp.StatusCode != 423 {
		t.Errorf("PUT without the token after a restart: %d, want 423", resp.StatusCode)
	}
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/doc.txt", strings.NewReader("v2"), "If", "(<"+token+">)"); resp.StatusCode != 204 {
		t.Errorf("PUT with the token: %d, want 204", resp.StatusCode)
	}
	if resp, _ := s.Do("full", pw, "UNLOCK", "/dav/Public/doc.txt", nil, "Lock-Token", "<"+token+">"); resp.StatusCode != 204 {
		t.Errorf("UNLOCK: %d", resp.StatusCode)
	}
	s.Restart()
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/doc.txt", strings.NewReader("v3")); resp.StatusCode != 204 {
		t.Errorf("PUT after UNLOCK and a restart: %d, want 204", resp.StatusCode)
	}
	if b, _ := readFile(t, s, "Public/doc.txt"); b != "v3" {
		t.Errorf("doc.txt is %q", b)
	}
}

// TestLockedFileInFolder: deleting or moving a folder that holds someone's locked file
// is refused without that lock's token.
func TestLockedFileInFolder(t *testing.T) {
	s := family(t)
	s.App.Pool.Mkdir(context.Background(), "Public/folder", time.Time{})
	writeFile(t, s, "Public/folder/a.txt", "locked")
	token := lock(t, s, "Public/folder/a.txt")
	if resp, body := s.Do("full", pw, "DELETE", "/dav/Public/folder", nil); resp.StatusCode != 423 || !strings.Contains(body, "/dav/Public/folder/a.txt") {
		t.Errorf("DELETE of the folder: %d %s, want 423 naming the locked file", resp.StatusCode, body)
	}
	if resp, _ := s.Do("full", pw, "MOVE", "/dav/Public/folder", nil, "Destination", s.URL+"/dav/Public/elsewhere"); resp.StatusCode != 423 {
		t.Errorf("MOVE of the folder: %d, want 423", resp.StatusCode)
	}
	if b, ok := readFile(t, s, "Public/folder/a.txt"); !ok || b != "locked" {
		t.Fatalf("the locked file is gone")
	}
	if resp, _ := s.Do("full", pw, "DELETE", "/dav/Public/folder", nil, "If", "<"+s.URL+"/dav/Public/folder/a.txt> (<"+token+">)"); resp.StatusCode != 204 {
		t.Errorf("DELETE with the token: %d, want 204", resp.StatusCode)
	}
}

// TestConditionalRequests: If-Match and If-None-Match on PUT and DELETE.
func TestConditionalRequests(t *testing.T) {
	s := family(t)
	resp, _ := s.Do("full", pw, "PUT", "/dav/Public/c.txt", strings.NewReader("one"))
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 201 || etag == "" {
		t.Fatalf("PUT: %d, ETag %q", resp.StatusCode, etag)
	}
	for _, c := range []struct {
		method string
		hdr    []string
		want   int
	}{
		{"PUT", []string{"If-None-Match", "*"}, 412},
		{"PUT", []string{"If-Match", `"nope"`}, 412},
		{"DELETE", []string{"If-Match", `"nope"`}, 412},
		{"DELETE", []string{"If-None-Match", etag}, 412},
		{"PUT", []string{"If-Match", etag}, 204},
	} {
		if resp, _ := s.Do("full", pw, c.method, "/dav/Public/c.txt", strings.NewReader("two"), c.hdr...); resp.StatusCode != c.want {
			t.Errorf("%s %v: %d, want %d", c.method, c.hdr, resp.StatusCode, c.want)
		}
	}
	if b, _ := readFile(t, s, "Public/c.txt"); b != "two" {
		t.Errorf("c.txt is %q", b)
	}
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/d.txt", strings.NewReader("new"), "If-None-Match", "*"); resp.StatusCode != 201 {
		t.Errorf("PUT If-None-Match * of a new file: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("full", pw, "GET", "/dav/Public/c.txt", nil); resp.Header.Get("ETag") == etag {
		t.Error("the ETag did not change with the content")
	}
}

// TestMoveOverwritesByDefault: a MOVE without an Overwrite header replaces the target
// (RFC 4918: absent means T); Overwrite: F refuses.
func TestMoveOverwritesByDefault(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/a.txt", "a")
	writeFile(t, s, "Public/b.txt", "b")
	if resp, _ := s.Do("full", pw, "MOVE", "/dav/Public/a.txt", nil, "Destination", s.URL+"/dav/Public/b.txt", "Overwrite", "F"); resp.StatusCode != 412 {
		t.Errorf("MOVE with Overwrite: F onto a file: %d, want 412", resp.StatusCode)
	}
	if resp, _ := s.Do("full", pw, "MOVE", "/dav/Public/a.txt", nil, "Destination", s.URL+"/dav/Public/b.txt"); resp.StatusCode != 204 {
		t.Errorf("MOVE without Overwrite onto a file: %d, want 204", resp.StatusCode)
	}
	if b, _ := readFile(t, s, "Public/b.txt"); b != "a" {
		t.Errorf("b.txt is %q", b)
	}
}

// TestWin32Times: the time Explorer sets with PROPPATCH becomes the file's time, on the
// drive too, and dead properties follow a move.
func TestWin32Times(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/photo.jpg", "jpeg")
	body := `<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>
<Z:Win32CreationTime>Sat, 01 Jun 2019 08:00:00 GMT</Z:Win32CreationTime>
<Z:Win32LastModifiedTime>Sat, 01 Jun 2019 09:30:00 GMT</Z:Win32LastModifiedTime>
<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes></D:prop></D:set></D:propertyupdate>`
	if resp, b := s.Do("full", pw, "PROPPATCH", "/dav/Public/photo.jpg", strings.NewReader(body)); resp.StatusCode != 207 || strings.Count(b, "200 OK") != 1 {
		t.Fatalf("PROPPATCH: %d %s", resp.StatusCode, b)
	}
	want := time.Date(2019, 6, 1, 9, 30, 0, 0, time.UTC)
	if fi, _ := s.App.Pool.Stat(context.Background(), "Public/photo.jpg"); !fi.ModTime.Equal(want) {
		t.Errorf("pool time %v, want %v", fi.ModTime, want)
	}
	if st, err := os.Stat(filepath.Join(paths.FirstDrive(s.State), "Shares", "Public", "photo.jpg")); err != nil || !st.ModTime().Equal(want) {
		t.Errorf("drive time %v (%v), want %v", st.ModTime(), err, want)
	}
	s.Do("full", pw, "MOVE", "/dav/Public/photo.jpg", nil, "Destination", s.URL+"/dav/Public/moved.jpg")
	_, b := s.Do("full", pw, "PROPFIND", "/dav/Public/moved.jpg", strings.NewReader(propfindBody), "Depth", "0")
	if !strings.Contains(b, "00000020") || !strings.Contains(b, "Sat, 01 Jun 2019 09:30:00 GMT") {
		t.Errorf("properties did not follow the move: %s", b)
	}
}

// TestQuota: the RFC 4331 properties report the pool's free space.
func TestQuota(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/q.bin", strings.Repeat("q", 5000))
	_, b := s.Do("full", pw, "PROPFIND", "/dav/Public/", strings.NewReader(
		`<D:propfind xmlns:D="DAV:"><D:prop><D:quota-available-bytes/><D:quota-used-bytes/></D:prop></D:propfind>`), "Depth", "0")
	avail := regexp.MustCompile(`<D:quota-available-bytes>(\d+)<`).FindStringSubmatch(b)
	used := regexp.MustCompile(`<D:quota-used-bytes>(\d+)<`).FindStringSubmatch(b)
	if avail == nil || avail[1] == "0" || used == nil || used[1] != "5000" {
		t.Errorf("quota: %s", b)
	}
}

// TestPoolFull: an upload into a full pool is answered 507 with words a person can act
// on, and changes nothing.
func TestPoolFull(t *testing.T) {
	s := family(t, func(o *app.Options) {
		os.WriteFile(paths.Config(o.StateDir), []byte(`{"drive_reserve": "100TiB"}`), 0o600)
	})
	resp, body := s.Do("full", pw, "PUT", "/dav/Public/big.bin", strings.NewReader("data"))
	if resp.StatusCode != 507 || !strings.Contains(body, "full") {
		t.Errorf("PUT into a full pool: %d %q, want 507", resp.StatusCode, body)
	}
	if _, err := s.App.Pool.Stat(context.Background(), "Public/big.bin"); err == nil {
		t.Error("the file exists")
	}
}

// TestPutKeepsBytes: what a PUT stores is what GET returns, and the ETag is the content's.
func TestPutKeepsBytes(t *testing.T) {
	s := family(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	resp, _ := s.Do("full", pw, "PUT", "/dav/Public/blob", bytes.NewReader(data))
	if resp.StatusCode != 201 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	resp, got := s.Do("full", pw, "GET", "/dav/Public/blob", nil)
	if sha256.Sum256([]byte(got)) != sha256.Sum256(data) {
		t.Error("GET returned other bytes")
	}
	if resp, part := s.Do("full", pw, "GET", "/dav/Public/blob", nil, "Range", "bytes=16-31"); resp.StatusCode != 206 || part != "0123456789abcdef" {
		t.Errorf("range GET: %d %q", resp.StatusCode, part)
	}
	if resp.Header.Get("ETag") == "" {
		t.Error("no ETag")
	}
	if resp.Header.Get("MS-Author-Via") != "DAV" {
		t.Error("no MS-Author-Via header")
	}
}

// TestLocksGoWithTheirFile: deleting or moving a locked file (with its token) ends the
// lock, so the old name is free again at once.
func TestLocksGoWithTheirFile(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/a.txt", "a")
	token := lock(t, s, "Public/a.txt")
	if resp, _ := s.Do("full", pw, "MOVE", "/dav/Public/a.txt", nil, "Destination", s.URL+"/dav/Public/b.txt", "If", "(<"+token+">)"); resp.StatusCode != 201 {
		t.Fatalf("MOVE with the token: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/a.txt", strings.NewReader("new")); resp.StatusCode != 201 {
		t.Errorf("PUT at the old name after the move: %d, want 201", resp.StatusCode)
	}
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/b.txt", strings.NewReader("new")); resp.StatusCode != 204 {
		t.Errorf("PUT at the new name (the lock did not move): %d, want 204", resp.StatusCode)
	}
	token = lock(t, s, "Public/a.txt")
	s.Do("full", pw, "DELETE", "/dav/Public/a.txt", nil, "If", "(<"+token+">)")
	s.Restart()
	if resp, _ := s.Do("full", pw, "PUT", "/dav/Public/a.txt", strings.NewReader("again")); resp.StatusCode != 201 {
		t.Errorf("PUT after deleting a locked file and a restart: %d, want 201", resp.StatusCode)
	}
}

// TestIfHeaderAboutOtherFiles: an If list about another resource cannot lift the lock
// on the file a request changes, and cannot be used to test a file in a share the user
// cannot open (its entity tag would say what it holds).
func TestIfHeaderAboutOtherFiles(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/doc.txt", "locked")
	writeFile(t, s, "Public/other.txt", "other")
	lock(t, s, "Public/doc.txt")
	tag := "<" + s.URL + "/dav/Public/other.txt> (Not <urn:uuid:nope>)"
	for _, m := range []string{"PUT", "DELETE", "PROPPATCH"} {
		if resp, _ := s.Do("read", pw, m, "/dav/Public/doc.txt", strings.NewReader(proppatchBody), "If", tag); resp.StatusCode != 403 {
			t.Errorf("%s as reader: %d", m, resp.StatusCode)
		}
		s.AddUser("other"+m, pw, false)
		s.SetAccess("Public", "other"+m, "full")
		if resp, _ := s.Do("other"+m, pw, m, "/dav/Public/doc.txt", strings.NewReader(proppatchBody), "If", tag); resp.StatusCode != 423 {
			t.Errorf("%s with an If list about another file: %d, want 423", m, resp.StatusCode)
		}
	}
	if b, _ := readFile(t, s, "Public/doc.txt"); b != "locked" {
		t.Errorf("doc.txt is %q", b)
	}
	// Probing dad's file by its entity tag from one's own share tells nothing.
	writeFile(t, s, "dad/secret.txt", "guess me")
	writeFile(t, s, "full/guess.txt", "guess me")
	resp, _ := s.Do("full", pw, "GET", "/dav/full/guess.txt", nil)
	etag := resp.Header.Get("ETag")
	for _, e := range []string{etag, `"wrong"`} {
		hdr := "<" + s.URL + "/dav/dad/secret.txt> ([" + e + "])"
		if resp, _ := s.Do("full", pw, "PROPPATCH", "/dav/full/guess.txt", strings.NewReader(proppatchBody), "If", hdr); resp.StatusCode != 412 {
			t.Errorf("If about a hidden file with tag %s: %d, want 412 either way", e, resp.StatusCode)
		}
	}
}

// TestUnlockOnlyWhereLocked: a lock is lifted only through the resource it locks, so a
// reader who saw its token cannot lift it through a share of their own.
func TestUnlockOnlyWhereLocked(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/doc.txt", "locked")
	token := lock(t, s, "Public/doc.txt")
	if resp, _ := s.Do("read", pw, "UNLOCK", "/dav/read/", nil, "Lock-Token", "<"+token+">"); resp.StatusCode != 409 {
		t.Errorf("UNLOCK through another share: %d, want 409", resp.StatusCode)
	}
	if resp, _ := s.Do("read", pw, "UNLOCK", "/dav/Public/doc.txt", nil, "Lock-Token", "<"+token+">"); resp.StatusCode != 403 {
		t.Errorf("UNLOCK by a reader: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Do("dad", pw, "PUT", "/dav/Public/doc.txt", strings.NewReader("x")); resp.StatusCode != 423 {
		t.Errorf("the lock is gone: PUT %d", resp.StatusCode)
	}
}

// TestFailedCopyKeepsTarget: a COPY whose source cannot be read leaves the target as it
// was (the engine deletes the target first; a file is replaced atomically instead).
func TestFailedCopyKeepsTarget(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/src.txt", strings.Repeat("s", 100000))
	writeFile(t, s, "Public/dst.txt", "precious")
	os.Remove(filepath.Join(paths.FirstDrive(s.State), "Shares", "Public", "src.txt"))
	resp, _ := s.Do("full", pw, "COPY", "/dav/Public/src.txt", nil, "Destination", s.URL+"/dav/Public/dst.txt")
	if resp.StatusCode < 400 {
		t.Errorf("COPY from a vanished file: %d", resp.StatusCode)
	}
	if b, ok := readFile(t, s, "Public/dst.txt"); !ok || b != "precious" {
		t.Errorf("dst.txt is %q (%v)", b, ok)
	}
}

// TestCopyOntoLockedFolder: COPY or MOVE onto a folder holding a locked file is refused.
func TestCopyOntoLockedFolder(t *testing.T) {
	s := family(t)
	s.App.Pool.Mkdir(context.Background(), "Public/dir", time.Time{})
	writeFile(t, s, "Public/dir/doc.txt", "locked")
	writeFile(t, s, "Public/f.txt", "f")
	lock(t, s, "Public/dir/doc.txt")
	for _, m := range []string{"COPY", "MOVE"} {
		if resp, _ := s.Do("full", pw, m, "/dav/Public/f.txt", nil, "Destination", s.URL+"/dav/Public/dir", "Overwrite", "T"); resp.StatusCode != 423 {
			t.Errorf("%s onto the folder: %d, want 423", m, resp.StatusCode)
		}
	}
	if b, _ := readFile(t, s, "Public/dir/doc.txt"); b != "locked" {
		t.Error("the locked file is gone")
	}
}

// TestCopyIntoItself: a folder is not copied or moved into itself.
func TestCopyIntoItself(t *testing.T) {
	s := family(t)
	s.App.Pool.Mkdir(context.Background(), "Public/a", time.Time{})
	writeFile(t, s, "Public/a/x", "x")
	for _, m := range []string{"COPY", "MOVE"} {
		if resp, _ := s.Do("full", pw, m, "/dav/Public/a", nil, "Destination", s.URL+"/dav/Public/a/z"); resp.StatusCode != 403 {
			t.Errorf("%s into itself: %d, want 403", m, resp.StatusCode)
		}
	}
	if list, _ := s.App.Pool.List(context.Background(), "Public/a"); len(list) != 1 {
		t.Errorf("Public/a holds %d entries", len(list))
	}
}

// TestLockOwnerNeedsNoOuterNamespace: an owner element using a prefix declared on the
// request's root is answered in a form that stands on its own.
func TestLockOwnerNeedsNoOuterNamespace(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/o.txt", "o")
	body := `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:" xmlns:o="urn:owner"><D:lockscope><D:exclusive/></D:lockscope>` +
		`<D:locktype><D:write/></D:locktype><D:owner><o:name>Mum &amp; co</o:name></D:owner></D:lockinfo>`
	resp, lockResp := s.Do("full", pw, "LOCK", "/dav/Public/o.txt", strings.NewReader(body))
	if resp.StatusCode != 200 {
		t.Fatalf("LOCK: %d", resp.StatusCode)
	}
	_, list := s.Do("full", pw, "PROPFIND", "/dav/Public/", strings.NewReader(propfindBody), "Depth", "1")
	for _, b := range []string{lockResp, list} {
		if strings.Contains(b, "o:name") || !strings.Contains(b, "<D:owner>Mum &amp; co</D:owner>") {
			t.Errorf("owner not rewritten: %s", b)
		}
	}
	unlockAll(t, s, "Public/o.txt")
}

// TestBrowserListing: a folder opened in a web browser shows its files as links, and
// the top shows only the shares the user may read.
func TestBrowserListing(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/holiday photo.jpg", "jpeg")
	if _, err := s.App.Pool.Mkdir(context.Background(), "Public/<b>album", time.Time{}); err != nil {
		t.Fatal(err)
	}
	resp, body := s.Do("read", pw, "GET", "/dav/Public/", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `href="holiday%20photo.jpg"`) || !strings.Contains(body, "&lt;b&gt;album/") || strings.Contains(body, "<b>") {
		t.Errorf("listing: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := s.Do("read", pw, "GET", "/dav/Public", nil); resp.StatusCode != 301 || resp.Header.Get("Location") != "/dav/Public/" {
		t.Errorf("folder without a slash: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, top := s.Do("read", pw, "GET", "/dav/", nil)
	if !strings.Contains(top, `href="Public/"`) || strings.Contains(top, `href="dad/"`) {
		t.Errorf("top listing:\n%s", top)
	}
	if resp, _ := s.Do("none", pw, "GET", "/dav/Public/", nil); resp.StatusCode != 404 {
		t.Errorf("listing for a user without access: %d", resp.StatusCode)
	}
}

// TestPropfindLargeFolder: a folder larger than one page is listed whole, once each,
// with prop, propname and allprop; Depth infinity is refused.
func TestPropfindLargeFolder(t *testing.T) {
	s := family(t)
	s.App.Pool.Mkdir(context.Background(), "Public/many", time.Time{})
	const n = 1234
	for i := range n {
		writeFile(t, s, fmt.Sprintf("Public/many/f%04d", i), "x")
	}
	s.Do("full", pw, "PROPPATCH", "/dav/Public/many/f0600", strings.NewReader(proppatchBody))
	for _, body := range []string{propfindBody, "",
		`<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>`,
		`<D:propfind xmlns:D="DAV:" xmlns:Z="urn:x"><D:prop><D:getetag/><Z:color/><Z:nothing/></D:prop></D:propfind>`} {
		resp, b := s.Do("full", pw, "PROPFIND", "/dav/Public/many/", strings.NewReader(body), "Depth", "1")
		if resp.StatusCode != 207 {
			t.Fatalf("PROPFIND: %d", resp.StatusCode)
		}
		if got := strings.Count(b, "<D:response>"); got != n+1 {
			t.Errorf("%d responses, want %d", got, n+1)
		}
		if !strings.Contains(b, "<D:href>/dav/Public/many/f1233</D:href>") || strings.Count(b, "/dav/Public/many/f0500<") != 1 {
			t.Error("an entry is missing or listed twice")
		}
		if strings.Contains(body, "Z:color") && (strings.Count(b, `<color xmlns="urn:x">blue</color>`) != 1 || strings.Count(b, "404 Not Found") != n+1) {
			t.Errorf("prop: the dead property or the 404s are wrong")
		}
	}
	if resp, _ := s.Do("full", pw, "PROPFIND", "/dav/Public/many/", nil, "Depth", "infinity"); resp.StatusCode != 403 {
		t.Errorf("Depth infinity: %d, want 403", resp.StatusCode)
	}
}

// TestCopyOutOfReadOnlyShare: a reader may copy a file from a share they can only read
// into one where they have full access, and not the other way round.
func TestCopyOutOfReadOnlyShare(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/report.pdf", "pdf")
	if resp, _ := s.Do("read", pw, "COPY", "/dav/Public/report.pdf", nil, "Destination", s.URL+"/dav/read/report.pdf"); resp.StatusCode != 201 {
		t.Errorf("COPY from a readable share into one's own: %d, want 201", resp.StatusCode)
	}
	if b, _ := readFile(t, s, "read/report.pdf"); b != "pdf" {
		t.Errorf("the copy holds %q", b)
	}
	if resp, _ := s.Do("read", pw, "COPY", "/dav/read/report.pdf", nil, "Destination", s.URL+"/dav/Public/mine.pdf"); resp.StatusCode != 403 {
		t.Errorf("COPY into a read-only share: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Do("read", pw, "MOVE", "/dav/Public/report.pdf", nil, "Destination", s.URL+"/dav/read/moved.pdf"); resp.StatusCode != 403 {
		t.Errorf("MOVE out of a read-only share: %d, want 403", resp.StatusCode)
	}
}

// TestLockUnmappedName: LOCK on a name that does not exist makes an empty file there,
// and answers 409 when its folder is missing or is a file.
func TestLockUnmappedName(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/file", "f")
	for path, want := range map[string]int{"Public/new.txt": 201, "Public/missing/new.txt": 409, "Public/file/new.txt": 409} {
		resp, _ := s.Do("full", pw, "LOCK", "/dav/"+path, strings.NewReader(lockBody))
		if resp.StatusCode != want {
			t.Errorf("LOCK %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	if b, ok := readFile(t, s, "Public/new.txt"); !ok || b != "" {
		t.Errorf("the locked new file: %q %v", b, ok)
	}
}
