package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
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
	// A session, as the browser has one.
	c := new(http.Client)
	*c = *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(signInRequest(b, s))
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Cookies()
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
