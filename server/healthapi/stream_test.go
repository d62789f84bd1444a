package healthapi_test

import (
	"bufio"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/backupstore"
	healthmon "github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/healthapi"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestQuietStreamStaysOpen: a health stream with nothing to say stays open through many
// heartbeats over HTTP/2, as the tray's and the console's do for hours. (Its write
// deadline, set for each write, once stayed between them: whenever the next heartbeat
// came a little late, HTTP/2 ended the stream and the tray reconnected.)
func TestQuietStreamStaysOpen(t *testing.T) {
	e := pooltest.New(t, 1)
	ctx := context.Background()
	st, err := backupstore.Open(ctx, backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m, err := healthmon.New(ctx, healthmon.Options{Catalog: e.Cat, Pool: e.Pool, Backups: st, Every: time.Hour, SMARTEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	srv := httptest.NewUnstartedServer(healthapi.New(sctx, healthapi.Options{Monitor: m, Heartbeat: time.Millisecond}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	resp, err := srv.Client().Get(srv.URL + healthapi.Prefix + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("the stream is served over %s, want HTTP/2", resp.Proto)
	}
	const beats = 500
	sc := bufio.NewScanner(resp.Body)
	n := 0
	for n < beats && sc.Scan() {
		if sc.Text() == ": still here" {
			n++
		}
	}
	if n < beats {
		t.Fatalf("the stream ended after %d heartbeats: %v", n, sc.Err())
	}
}
