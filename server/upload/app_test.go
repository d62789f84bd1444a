package upload_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

const annPW = "ann-password1"

// appClient is a tus client of a whole hearthd, signed in as ann with Basic.
func appClient(t *testing.T, s *apptest.Server) *tusClient {
	return &tusClient{t: t, base: s.URL, c: s.Client(), auth: func(r *http.Request) { r.SetBasicAuth("ann", annPW) }}
}

// TestTusProtocol checks the server against the tus 1.0.0 protocol with a client of its
// own (plain net/http): core (HEAD, PATCH, offsets), creation (and creation with
// upload), termination and checksum, through the whole server (sign-in, web layer).
func TestTusProtocol(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("ann", annPW, false)
	c := appClient(t, s)
	// Discovery: OPTIONS says what the server speaks (the WebDAV answer the web layer
	// gives other paths must not stand in for it).
	o := c.do("OPTIONS", "/api/v1/uploads", nil, "Tus-Resumable", "")
	if o.status != http.StatusNoContent || o.hdr.Get("Tus-Version") != "1.0.0" || o.hdr.Get("DAV") != "" ||
		!strings.Contains(o.hdr.Get("Tus-Extension"), "termination") || !strings.Contains(o.hdr.Get("Tus-Checksum-Algorithm"), "sha1") {
		t.Errorf("OPTIONS: %d %v", o.status, o.hdr)
	}
	data := pattern(2<<20 + 3)
	p := c.create("Public", "proto.bin", int64(len(data)))

	h := c.do("HEAD", p, nil)
	for k, want := range map[string]string{"Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Upload-Length": strconv.Itoa(len(data)), "Cache-Control": "no-store"} {
		if got := h.hdr.Get(k); got != want {
			t.Errorf("HEAD: %s %q, want %q", k, got, want)
		}
	}
	for _, ext := range []string{"creation", "termination", "checksum"} {
		if !strings.Contains(h.hdr.Get("Tus-Extension"), ext) {
			t.Errorf("Tus-Extension %q lacks %s", h.hdr.Get("Tus-Extension"), ext)
		}
	}
	if !strings.Contains(h.hdr.Get("Tus-Checksum-Algorithm"), "sha1") || !strings.Contains(h.hdr.Get("Upload-Metadata"), "filename") {
		t.Errorf("HEAD: checksum algorithms %q, metadata %q", h.hdr.Get("Tus-Checksum-Algorithm"), h.hdr.Get("Upload-Metadata"))
	}
	chunk := data[:1<<20]
	for _, tc := range []struct {
		name   string
		offset int64
		body   []byte
		hdr    []string
		want   int
	}{
		{"no Tus-Resumable", 0, chunk, []string{"Tus-Resumable", ""}, 412},
		{"not tus's content type", 0, chunk, []string{"Content-Type", "application/octet-stream"}, 400},
		{"the wrong offset", 5, chunk[5:], nil, 409},
		{"a checksum that does not match", 0, chunk, []string{"Upload-Checksum", "sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0="}, 460},
		{"an algorithm not taken", 0, chunk, []string{"Upload-Checksum", "crc32 AAAAAA=="}, 400},
		{"more than the length", 0, append(append([]byte{}, data...), 1), nil, 413},
	} {
		a := c.patch(p, tc.offset, tc.body, tc.hdr...)
		if a.status != tc.want {
			t.Errorf("PATCH with %s: %d %s, want %d", tc.name, a.status, a.body, tc.want)
		}
		if got := c.offset(p); got != 0 {
			t.Fatalf("after the PATCH with %s the offset is %d, want 0: nothing of it kept", tc.name, got)
		}
	}
	c.send(p, data, 1<<20)
	if got := c.offset(p); got != int64(len(data)) {
		t.Errorf("complete upload: HEAD says %d", got)
	}
	if got := readPool(t, s, "Public/proto.bin"); got != string(data) {
		t.Fatalf("the committed file differs (%d bytes)", len(got))
	}

	// Creation with upload: the first chunk comes with the POST.
	small := []byte("hello, hearth")
	a := c.do("POST", "/api/v1/uploads", small, "Upload-Length", strconv.Itoa(len(small)), "Content-Type", "application/offset+octet-stream",
		"Upload-Metadata", meta("folder", "Public", "filename", "hello.txt"))
	if a.status != 201 || a.hdr.Get("Upload-Offset") != strconv.Itoa(len(small)) || readPool(t, s, "Public/hello.txt") != string(small) {
		t.Fatalf("creation with upload: %d %s offset %q", a.status, a.body, a.hdr.Get("Upload-Offset"))
	}
	// An empty file is whole at once.
	c.create("Public", "empty.txt", 0)
	if fi, err := s.App.Pool.Stat(context.Background(), "Public/empty.txt"); err != nil || fi.Size != 0 {
		t.Fatalf("empty file: %+v %v", fi, err)
	}
	// Termination.
	p = c.create("Public", "gone.bin", 100)
	c.patch(p, 0, pattern(10))
	if a := c.do("DELETE", p, nil); a.status != 204 {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if got := c.offset(p); got != -404 {
		t.Fatalf("HEAD after DELETE: %d, want 404", -got)
	}
	if _, err := s.App.Pool.Stat(context.Background(), "Public/gone.bin"); err == nil {
		t.Fatal("a terminated upload left a file")
	}
}

func readPool(t *testing.T, s *apptest.Server, path string) string {
	t.Helper()
	resp, body := s.Do("ann", annPW, "GET", "/dav/"+path, nil)
	if resp.StatusCode != 200 {
		return "(GET " + path + ": " + resp.Status + ")"
	}
	return body
}

// visible reports whether name shows anywhere in Public: the pool's listing, a WebDAV
// PROPFIND of the folder, or a WebDAV GET of the file.
func visible(t *testing.T, s *apptest.Server, name string) []string {
	t.Helper()
	var where []string
	fis, err := s.App.Pool.List(context.Background(), "Public")
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range fis {
		if fi.Name == name {
			where = append(where, "the pool's listing")
		}
	}
	resp, body := s.Do("ann", annPW, "PROPFIND", "/dav/Public/", nil, "Depth", "1")
	if resp.StatusCode != 207 {
		t.Fatalf("PROPFIND: %s", resp.Status)
	}
	if strings.Contains(body, name) {
		where = append(where, "PROPFIND")
	}
	if resp, _ := s.Do("ann", annPW, "GET", "/dav/Public/"+name, nil); resp.StatusCode != 404 {
		where = append(where, "GET "+resp.Status)
	}
	return where
}

// TestPartialNeverVisibleAndResumesAfterRestart: while an upload is under way nothing of
// it is seen under its name, in a listing or over WebDAV, even across a restart of the
// server; after the restart it goes on from the acknowledged offset, and the file
// arrives whole when the last byte does.
func TestPartialNeverVisibleAndResumesAfterRestart(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("ann", annPW, false)
	c := appClient(t, s)
	data := pattern(3 << 20)
	p := c.create("Public", "partial.bin", int64(len(data)))
	c.patch(p, 0, data[:1<<20])
	if where := visible(t, s, "partial.bin"); where != nil {
		t.Fatalf("a partial upload is seen in %v", where)
	}
	s.Restart()
	c = appClient(t, s)
	if where := visible(t, s, "partial.bin"); where != nil {
		t.Fatalf("after a restart a partial upload is seen in %v", where)
	}
	if got := c.offset(p); got != 1<<20 {
		t.Fatalf("after a restart the upload is at %d, want %d", got, 1<<20)
	}
	c.patch(p, 1<<20, data[1<<20:2<<20])
	if where := visible(t, s, "partial.bin"); where != nil {
		t.Fatalf("a partial upload is seen in %v", where)
	}
	c.send(p, data, 1<<20)
	if where := visible(t, s, "partial.bin"); len(where) != 3 {
		t.Fatalf("the finished file is seen only in %v", where)
	}
	if got := readPool(t, s, "Public/partial.bin"); got != string(data) {
		t.Fatal("the file differs from what was sent")
	}
}

// TestSignedInByCookie: a page signed in with the session cookie may send an upload's
// data (tus's content type, which no other site can send without asking first); that
// type is taken nowhere else in the API.
func TestSignedInByCookie(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("ann", annPW, false)
	resp, body := s.Do("ann", annPW, "POST", "/api/v1/session", nil, "Content-Type", "application/json")
	if resp.StatusCode != 200 || len(resp.Cookies()) == 0 {
		t.Fatalf("sign in: %s %s", resp.Status, body)
	}
	cookies := resp.Cookies()
	c := &tusClient{t: t, base: s.URL, c: s.Client(), auth: func(r *http.Request) {
		for _, ck := range cookies {
			r.AddCookie(ck)
		}
		r.Header.Set("Origin", s.URL)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}}
	data := pattern(5000)
	p := c.create("Public", "cookie.bin", int64(len(data)))
	c.send(p, data, 4096)
	if got := readPool(t, s, "Public/cookie.bin"); got != string(data) {
		t.Fatal("the file differs from what was sent")
	}
	if a := c.do("POST", "/api/v1/devices", []byte(`{"name": "x"}`), "Content-Type", "application/offset+octet-stream"); a.status != 415 {
		t.Fatalf("tus's type elsewhere in the API: %d %s, want 415", a.status, a.body)
	}
	// Another site's page cannot send it.
	evil := &tusClient{t: t, base: s.URL, c: s.Client(), auth: func(r *http.Request) {
		for _, ck := range cookies {
			r.AddCookie(ck)
		}
		r.Header.Set("Origin", "https://evil.example")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
	}}
	a := evil.do("PATCH", p, data, "Content-Type", "application/offset+octet-stream", "Upload-Offset", "0")
	if a.status != 403 {
		t.Fatalf("a PATCH from another site: %d %s, want 403", a.status, a.body)
	}
}
