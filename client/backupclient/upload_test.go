package backupclient

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPacksGoOverHTTP1: packs are sent, and a restore's pieces fetched, over HTTP/1.1
// even to a server that speaks HTTP/2, which the client's other calls keep using.
// HTTP/2's framing of large bodies cost both sides more CPU than TLS did.
func TestPacksGoOverHTTP1(t *testing.T) {
	proto := make(chan int, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto <- r.ProtoMajor
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	hc := srv.Client()
	hc.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	for _, tc := range []struct {
		name string
		hc   *http.Client
		want int
	}{
		{"other calls", hc, 2},
		{"packs and a restore's pieces", bulkClient(hc), 1},
	} {
		resp, err := tc.hc.Post(srv.URL, "application/octet-stream", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := <-proto; got != tc.want {
			t.Errorf("%s went over HTTP/%d, want HTTP/%d", tc.name, got, tc.want)
		}
	}
}
