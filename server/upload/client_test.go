package upload_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// tusClient is a second, independent tus client: plain net/http, as the protocol's
// specification reads (tus 1.0.0: core, creation, termination, checksum).
type tusClient struct {
	t    testing.TB
	base string // https://host:port
	c    *http.Client
	auth func(*http.Request)
}

type answer struct {
	status int
	hdr    http.Header
	body   string
}

func (tc *tusClient) do(method, path string, body []byte, hdr ...string) answer {
	tc.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, tc.base+path, rd)
	if err != nil {
		tc.t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	if tc.auth != nil {
		tc.auth(req)
	}
	resp, err := tc.c.Do(req)
	if err != nil {
		tc.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// meta is an Upload-Metadata header.
func meta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create begins an upload of size bytes to folder/name and returns its path.
func (tc *tusClient) create(folder, name string, size int64, hdr ...string) string {
	tc.t.Helper()
	a := tc.do("POST", "/api/v1/uploads", nil, append([]string{"Upload-Length", strconv.FormatInt(size, 10),
		"Upload-Metadata", meta("folder", folder, "filename", name)}, hdr...)...)
	if a.status != http.StatusCreated {
		tc.t.Fatalf("create %s/%s: %d %s", folder, name, a.status, a.body)
	}
	return pathOf(tc.t, a.hdr.Get("Location"))
}

func pathOf(t testing.TB, loc string) string {
	t.Helper()
	i := strings.Index(loc, "/api/v1/uploads/")
	if i < 0 {
		t.Fatalf("Location %q is no upload", loc)
	}
	return loc[i:]
}

// offset asks the server how much of the upload it holds (-status when it answers no).
func (tc *tusClient) offset(path string) int64 {
	tc.t.Helper()
	a := tc.do("HEAD", path, nil)
	if a.status != http.StatusOK {
		return -int64(a.status)
	}
	if a.hdr.Get("Cache-Control") != "no-store" {
		tc.t.Errorf("HEAD %s: Cache-Control %q, want no-store", path, a.hdr.Get("Cache-Control"))
	}
	n, err := strconv.ParseInt(a.hdr.Get("Upload-Offset"), 10, 64)
	if err != nil {
		tc.t.Fatalf("HEAD %s: Upload-Offset %q", path, a.hdr.Get("Upload-Offset"))
	}
	return n
}

// patch sends data at offset with its sha1 checksum.
func (tc *tusClient) patch(path string, offset int64, data []byte, hdr ...string) answer {
	tc.t.Helper()
	sum := sha1.Sum(data)
	return tc.do("PATCH", path, data, append([]string{"Content-Type", "application/offset+octet-stream",
		"Upload-Offset", strconv.FormatInt(offset, 10), "Upload-Checksum", "sha1 " + base64.StdEncoding.EncodeToString(sum[:])}, hdr...)...)
}

// send uploads data in chunks of n bytes from the server's offset on, checking each
// answer's offset.
func (tc *tusClient) send(path string, data []byte, n int) {
	tc.t.Helper()
	off := tc.offset(path)
	for off < int64(len(data)) {
		end := min(off+int64(n), int64(len(data)))
		a := tc.patch(path, off, data[off:end])
		if a.status != http.StatusNoContent || a.hdr.Get("Upload-Offset") != strconv.FormatInt(end, 10) {
			tc.t.Fatalf("PATCH %s at %d: %d %s (offset %s)", path, off, a.status, a.body, a.hdr.Get("Upload-Offset"))
		}
		off = end
	}
}

// pattern is deterministic data of n bytes (the browser test makes the same).
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = patternByte(int64(i))
	}
	return b
}

// patternByte is byte i of the pattern: it changes within each 1 MiB block and from one
// block to the next, so a piece in the wrong place shows.
func patternByte(i int64) byte {
	block, j := i>>20, i&(1<<20-1)
	return byte(j*7 + block*13 + j>>8)
}
