package dav_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/dav"
)

// maxPutAllocs bounds the allocations of the server's side of a 4 KiB PUT over an
// existing file: 470 to 550 when it was set, as through the engine before, nearly all of
// them the catalog's (the file's state, the write's transaction, the version it keeps).
const maxPutAllocs = 800

// davHandler is a WebDAV drive over the server's pool, called directly with a principal
// of full access, so that only the server's work is counted.
func davHandler(t testing.TB) (http.Handler, func(method, path string, body []byte) *http.Request) {
	s := apptest.Start(t)
	h, err := dav.New(context.Background(), s.App.Pool, s.App.Catalog(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Name: "dad", Level: func(string) auth.Level { return auth.Full }})
	return h, func(method, path string, body []byte) *http.Request {
		return httptest.NewRequest(method, path, bytes.NewReader(body)).WithContext(ctx)
	}
}

// TestPutAllocations is a regression guard on the PUT path's garbage, which a busy
// drive pays for in collection: not a timing.
func TestPutAllocations(t *testing.T) {
	h, req := davHandler(t)
	body := bytes.Repeat([]byte("hearth "), 4096/7)
	n := testing.AllocsPerRun(20, func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req("PUT", "/dav/Public/small.txt", body))
		if rec.Code != http.StatusCreated && rec.Code != http.StatusNoContent {
			t.Fatalf("PUT: %d %s", rec.Code, rec.Body)
		}
	})
	t.Logf("%.0f allocations per PUT", n)
	if n > maxPutAllocs {
		t.Errorf("a 4 KiB PUT made %.0f allocations, want at most %d", n, maxPutAllocs)
	}
}

// BenchmarkPut reports the allocations of one small PUT on the server's side.
func BenchmarkPut(b *testing.B) {
	h, req := davHandler(b)
	body := bytes.Repeat([]byte("hearth "), 4096/7)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req("PUT", "/dav/Public/small.txt", body))
		if rec.Code/100 != 2 {
			b.Fatalf("PUT: %d", rec.Code)
		}
	}
}
