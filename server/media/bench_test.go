package media

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// BenchmarkFolderPages: a TV's pages of a folder of 5,000 pictures, the first 50 again
// and again (kept: the pool does not change) and the first 50 after each change (the
// folder listed whole again), as bench/mediabench measures against minidlna.
func BenchmarkFolderPages(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := pooltest.New(b, 1)
	e.Share("Pictures", 1)
	on := true
	if _, err := e.Pool.SetShare(ctx, "Pictures", pool.ShareSettings{Media: &on}); err != nil {
		b.Fatal(err)
	}
	e.Mkdir("Pictures/big")
	for i := range 5000 {
		e.Put(fmt.Sprintf("Pictures/big/%04d.jpg", i), []byte("not really a picture"))
	}
	s := New(Options{Pool: e.Pool, Listen: "127.0.0.1:0", Subnets: func() ([]*net.IPNet, error) {
		_, n, err := net.ParseCIDR("127.0.0.0/8")
		return []*net.IPNet{n}, err
	}})
	go s.Run(ctx)
	for s.Addr() == nil || s.state.Load() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	page := func(b *testing.B) {
		body := `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><u:Browse xmlns:u="urn:schemas-upnp-org:service:ContentDirectory:1"><ObjectID>Pictures%2Fbig</ObjectID><BrowseFlag>BrowseDirectChildren</BrowseFlag><Filter>*</Filter><StartingIndex>0</StartingIndex><RequestedCount>50</RequestedCount><SortCriteria></SortCriteria></u:Browse></s:Body></s:Envelope>`
		req, _ := http.NewRequest("POST", "http://"+s.Addr().String()+"/ctl", strings.NewReader(body))
		req.Header.Set("SOAPACTION", `"urn:schemas-upnp-org:service:ContentDirectory:1#Browse"`)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(out), "<TotalMatches>5000<") {
			b.Fatalf("browse: %d %s", resp.StatusCode, out)
		}
	}
	// settled waits for the folder's listing kept in the background, so that its making
	// is not timed with the pages that follow.
	settled := func() {
		for {
			st := s.state.Load()
			st.pages.mu.Lock()
			busy := st.pages.built != nil
			st.pages.mu.Unlock()
			if !busy {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	page(b)
	settled()
	b.Run("again", func(b *testing.B) {
		for range b.N {
			page(b)
		}
	})
	b.Run("after a change", func(b *testing.B) {
		for i := range b.N {
			b.StopTimer()
			settled()
			e.Put(fmt.Sprintf("Pictures/other%d.jpg", i), []byte("x"))
			b.StartTimer()
			page(b)
		}
	})
	b.Run("whole folder kept", func(b *testing.B) {
		for i := range b.N {
			b.StopTimer()
			e.Put(fmt.Sprintf("Pictures/more%d.jpg", i), []byte("x"))
			b.StartTimer()
			page(b)
			settled()
		}
	})
}
