package upload_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
)

const benchSize = 1 << 30

// BenchmarkTusUpload1GiB is the browser's path for a 1 GiB file: signed in with a
// session, tus over HTTPS on loopback to a whole hearthd, in chunks of upload.js's size
// each synced before its answer, then the commit into the pool (the staged data adopted,
// hashed in one read). Compare with BenchmarkFsyncedCopy1GiB, the same bytes written and
// synced once on the same file system. MB/s-chunks is the chunks alone.
func BenchmarkTusUpload1GiB(b *testing.B) {
	s := apptest.Start(b)
	s.AddUser("ann", annPW, false)
	cookies := signIn(b, s, "ann", annPW)
	c := &tusClient{t: b, base: s.URL, c: s.Client(), auth: func(r *http.Request) {
		r.Header.Set("Origin", s.URL) // as a page's script sends it
		for _, ck := range cookies {
			r.AddCookie(ck)
		}
	}}
	chunk := pattern(browserChunk(b))
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := range b.N {
		p := c.create("Public", "bench"+strconv.Itoa(i)+".bin", benchSize)
		begin := time.Now()
		var last time.Duration
		for off := int64(0); off < benchSize; off += int64(len(chunk)) {
			start := time.Now()
			piece := chunk[:min(int64(len(chunk)), benchSize-off)]
			a := c.do("PATCH", p, piece, "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.FormatInt(off, 10))
			if a.status != http.StatusNoContent {
				b.Fatalf("PATCH at %d: %d %s", off, a.status, a.body)
			}
			last = time.Since(start)
		}
		chunks := time.Since(begin) - last
		// The last chunk's answer waits for the commit into the pool.
		b.ReportMetric(last.Seconds(), "s-last-chunk+commit/op")
		b.ReportMetric(float64(benchSize-int64(len(chunk)))/chunks.Seconds()/1e6, "MB/s-chunks")
	}
}

// browserChunk is the chunk size upload.js sends (its CHUNK constant).
func browserChunk(b *testing.B) int {
	js, err := os.ReadFile("../console/static/upload.js")
	if err != nil {
		b.Fatal(err)
	}
	m := regexp.MustCompile(`const CHUNK = (\d+) << 20;`).FindSubmatch(js)
	if m == nil {
		b.Fatal("upload.js says no CHUNK")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n << 20
}

// signIn signs in with the sign-in form, as a browser does, and returns the session's
// cookies: a page's uploads go with them, not with a password on every request.
func signIn(b *testing.B, s *apptest.Server, name, password string) []*http.Cookie {
	req, _ := http.NewRequest("POST", s.URL+"/signin", strings.NewReader(url.Values{"name": {name}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	c := *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) == 0 {
		b.Fatalf("sign-in answered %d with no session", resp.StatusCode)
	}
	return resp.Cookies()
}

// BenchmarkFsyncedCopy1GiB writes 1 GiB to a new file in 16 MiB pieces and syncs it: what
// a plain copy onto the same file system costs.
func BenchmarkFsyncedCopy1GiB(b *testing.B) {
	dir := b.TempDir()
	chunk := pattern(16 << 20)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for i := range b.N {
		f, err := os.Create(filepath.Join(dir, "copy"+strconv.Itoa(i)))
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < benchSize; off += len(chunk) {
			if _, err := f.Write(chunk); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
