package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool"
)

// BenchmarkFolderOf50000 opens a page of a 50,000-entry folder over HTTPS, as the Files
// page does (make bench; making the folder takes about two minutes first).
func BenchmarkFolderOf50000(b *testing.B) {
	s := apptest.Start(b)
	s.AddUser("mum", pw, false)
	ctx := context.Background()
	s.App.Pool.Mkdir(ctx, "Public/many", time.Time{})
	for i := range 50_000 {
		if _, err := s.App.Pool.Mkdir(ctx, fmt.Sprintf("Public/many/f%05d", i), time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
	c, cookie := session(b, s)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/files/Public/many/?page=%d", s.URL, 1+i%100), nil)
		for _, ck := range cookie {
			req.AddCookie(ck)
		}
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("a page: %v %v", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// BenchmarkDownload1GiB downloads a 1 GiB file from a Files page over HTTPS, the way a
// browser does (make bench; compare BenchmarkPlainRead1GiB, the same bytes read from a
// plain file on the same file system).
func BenchmarkDownload1GiB(b *testing.B) {
	s := apptest.Start(b)
	s.AddUser("mum", pw, false)
	const size = 1 << 30
	if _, err := s.App.Pool.WriteFile(context.Background(), "Public/big.bin", io.LimitReader(zeros{}, size), pool.WriteOptions{Size: size}); err != nil {
		b.Fatal(err)
	}
	c, cookies := session(b, s)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", s.URL+"/files/Public/big.bin?download", nil)
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		resp, err := c.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("download: %v %v", resp, err)
		}
		if n, _ := io.Copy(io.Discard, resp.Body); n != size {
			b.Fatalf("downloaded %d bytes", n)
		}
		resp.Body.Close()
	}
}

// BenchmarkPlainRead1GiB reads 1 GiB from a plain file: the floor for a download.
func BenchmarkPlainRead1GiB(b *testing.B) {
	const size = 1 << 30
	f, err := os.CreateTemp(b.TempDir(), "big")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, io.LimitReader(zeros{}, size)); err != nil {
		b.Fatal(err)
	}
	f.Sync()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.Seek(0, 0); err != nil {
			b.Fatal(err)
		}
		if n, _ := io.Copy(io.Discard, f); n != size {
			b.Fatalf("read %d bytes", n)
		}
	}
	f.Close()
}

// BenchmarkPlainHTTPSDownload1GiB downloads 1 GiB of a plain file from net/http's file
// server over HTTPS on loopback: the floor for a download through the network path, to
// set BenchmarkDownload1GiB beside (it adds sign-in, the pool's verified read and the
// pacing against stalled clients).
func BenchmarkPlainHTTPSDownload1GiB(b *testing.B) {
	const size = 1 << 30
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, io.LimitReader(zeros{}, size)); err != nil {
		b.Fatal(err)
	}
	f.Close()
	srv := httptest.NewTLSServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		resp, err := srv.Client().Get(srv.URL + "/big.bin")
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("download: %v %v", resp, err)
		}
		if n, _ := io.Copy(io.Discard, resp.Body); n != size {
			b.Fatalf("downloaded %d bytes", n)
		}
		resp.Body.Close()
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// session signs mum in with the sign-in form, as a browser does, and returns a client
// and the session's cookies.
func session(b *testing.B, s *apptest.Server) (*http.Client, []*http.Cookie) {
	b.Helper()
	c := new(http.Client)
	*c = *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(signInRequest(b, s))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	return c, resp.Cookies()
}
