package dav_test

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/web"
)

// catalogBytes is the size of the catalog on the system disk, with its write-ahead log.
func catalogBytes(s *apptest.Server) int64 {
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(paths.Catalog(s.State) + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

func proppatch(props ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:set><D:prop>`)
	for i, v := range props {
		fmt.Fprintf(&b, "<Z:p%d>%s</Z:p%d>", i, v, i)
	}
	b.WriteString(`</D:prop></D:set></D:propertyupdate>`)
	return b.String()
}

func lockWithOwner(owner string) string {
	return `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>` +
		owner + `</D:owner></D:lockinfo>`
}

// TestCatalogLimits: what a user can make the catalog keep is bounded. Ten PROPPATCHes
// with 1 MB values and ten LOCKs with 1 MB owners are refused with words, and the catalog
// hardly grows; a property over 64 KiB is refused (507 in its propstat), a lock owner over
// 4 KiB too (413); one user's properties stop at 4 MiB while another's still work, and a
// removal makes room again.
func TestCatalogLimits(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/f.txt", "x")
	before := catalogBytes(s)
	mb := strings.Repeat("a", 1_000_000)
	for i := range 10 {
		resp, body := s.Do("full", pw, "PROPPATCH", "/dav/Public/f.txt", strings.NewReader(proppatch(mb)))
		if resp.StatusCode != 413 || !strings.Contains(body, "larger than the server accepts") {
			t.Errorf("PROPPATCH %d with a 1 MB value: %d %q", i, resp.StatusCode, body)
		}
		resp, body = s.Do("full", pw, "LOCK", "/dav/Public/f.txt", strings.NewReader(lockWithOwner(mb)))
		if resp.StatusCode != 413 || !strings.Contains(body, "larger than the server accepts") {
			t.Errorf("LOCK %d with a 1 MB owner: %d %q", i, resp.StatusCode, body)
		}
	}
	after := catalogBytes(s)
	t.Logf("catalog.db with its WAL: %d bytes before ten 1 MB PROPPATCHes and ten 1 MB LOCKs, %d after", before, after)
	if after-before > 256<<10 {
		t.Errorf("the catalog grew by %d bytes", after-before)
	}

	// Under the body limits, over the per-item ones.
	resp, body := s.Do("full", pw, "PROPPATCH", "/dav/Public/f.txt", strings.NewReader(proppatch("small", strings.Repeat("b", 100_000))))
	if resp.StatusCode != 207 || !strings.Contains(body, "507") || !strings.Contains(body, "at most 64 KiB") || !strings.Contains(body, "424") {
		t.Errorf("a 100 KB property: %d %s", resp.StatusCode, body)
	}
	resp, body = s.Do("full", pw, "LOCK", "/dav/Public/f.txt", strings.NewReader(lockWithOwner(strings.Repeat("c", 8000))))
	if resp.StatusCode != 413 || !strings.Contains(body, "4 KiB") {
		t.Errorf("an 8 KB lock owner: %d %q", resp.StatusCode, body)
	}
	_, body = s.Do("full", pw, "PROPFIND", "/dav/Public/f.txt", strings.NewReader(propfindBody), "Depth", "0")
	if strings.Contains(body, "small") || strings.Contains(body, "ccccc") {
		t.Errorf("something refused was kept: %s", body)
	}

	// One user's properties in all: 60 KB values, three a request, until refused.
	v := strings.Repeat("d", 60_000)
	stored := 0
	for i := 0; ; i++ {
		writeFile(t, s, fmt.Sprintf("Public/g%d", i), "")
		resp, body := s.Do("full", pw, "PROPPATCH", fmt.Sprintf("/dav/Public/g%d", i), strings.NewReader(proppatch(v, v, v)))
		if resp.StatusCode != 207 {
			t.Fatalf("PROPPATCH: %d %s", resp.StatusCode, body)
		}
		if strings.Contains(body, "507") {
			if !strings.Contains(body, "4 MiB") {
				t.Errorf("the refusal does not say why: %s", body)
			}
			break
		}
		stored += 3 * 60_000
		if stored > 5<<20 {
			t.Fatalf("%d bytes of one user's properties were kept", stored)
		}
	}
	t.Logf("one user's properties were refused after %d bytes", stored)
	if stored < 3<<20 {
		t.Errorf("refused already after %d bytes", stored)
	}
	if resp, body := s.Do("dad", pw, "PROPPATCH", "/dav/Public/f.txt", strings.NewReader(proppatch(v))); resp.StatusCode != 207 || strings.Contains(body, "507") {
		t.Errorf("another user's property: %d %s", resp.StatusCode, body)
	}
	remove := `<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:x"><D:remove><D:prop><Z:p0/><Z:p1/><Z:p2/></D:prop></D:remove></D:propertyupdate>`
	s.Do("full", pw, "PROPPATCH", "/dav/Public/g0", strings.NewReader(remove))
	if resp, body := s.Do("full", pw, "PROPPATCH", "/dav/Public/f.txt", strings.NewReader(proppatch(v))); resp.StatusCode != 207 || strings.Contains(body, "507") {
		t.Errorf("after a removal: %d %s", resp.StatusCode, body)
	}
}

// TestLocksPerUser: one user holds at most 1,000 locks at once (shared ones can stack
// on one file without end otherwise); another user still can lock.
func TestLocksPerUser(t *testing.T) {
	s := family(t)
	writeFile(t, s, "Public/f.txt", "x")
	for i := range 1000 {
		if resp, _ := s.Do("full", pw, "LOCK", "/dav/Public/f.txt", strings.NewReader(lockWithOwner("me"))); resp.StatusCode != 200 {
			t.Fatalf("lock %d: %d", i, resp.StatusCode)
		}
	}
	if resp, body := s.Do("full", pw, "LOCK", "/dav/Public/f.txt", strings.NewReader(lockWithOwner("me"))); resp.StatusCode != 507 || !strings.Contains(body, "1000 locks") {
		t.Errorf("lock 1001: %d %q", resp.StatusCode, body)
	}
	if resp, _ := s.Do("dad", pw, "LOCK", "/dav/Public/f.txt", strings.NewReader(lockWithOwner("dad"))); resp.StatusCode != 200 {
		t.Errorf("another user's lock: %d", resp.StatusCode)
	}
}

// TestRefusedBodiesInPlainWords: a body the server refuses (not XML, or cut off by the
// body deadline) gets plain words saying what happened, never Go's error text ("XML
// syntax error on line 1", "read tcp 127.0.0.1:…: i/o timeout").
func TestRefusedBodiesInPlainWords(t *testing.T) {
	s := family(t, func(o *app.Options) {
		o.Limits = web.Limits{HeaderTimeout: 10 * time.Second, BodyWindow: time.Second, BodyMinRate: 1 << 10}
	})
	writeFile(t, s, "Public/f.txt", "x")
	goText := []string{"syntax error", "tcp", "timeout", "i/o", "EOF", "unexpected"}
	plain := func(what, body string) {
		t.Helper()
		for _, g := range goText {
			if strings.Contains(body, g) {
				t.Errorf("%s: the answer carries Go's error text %q: %q", what, g, body)
			}
		}
	}
	for _, m := range []string{"PROPFIND", "PROPPATCH", "LOCK"} {
		resp, body := s.Do("full", pw, m, "/dav/Public/f.txt", strings.NewReader("this is not xml"), "Depth", "0")
		if resp.StatusCode != 400 || !strings.Contains(body, "not valid XML") {
			t.Errorf("%s with a body that is not XML: %d %q", m, resp.StatusCode, body)
		}
		plain(m+" with a body that is not XML", body)

		// Half a body, then nothing: the body deadline ends the wait.
		conn := s.DialTLS("127.0.0.1")
		fmt.Fprintf(conn, "%s /dav/Public/f.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic %s\r\nDepth: 0\r\nContent-Length: 1000\r\n\r\n<D:prop",
			m, base64.StdEncoding.EncodeToString([]byte("full:"+pw)))
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s with a body cut off: no answer: %v", m, err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "cut off") {
			t.Errorf("%s with a body cut off: %d %q", m, resp.StatusCode, b)
		}
		plain(m+" with a body cut off", string(b))
	}
}
