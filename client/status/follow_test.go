package status_test

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestFollowThroughARestart: the tray's connection shows the server's health, turns grey
// when the server stops, and comes back by itself when it returns.
func TestFollowThroughARestart(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, "mum", "correct horse", "Laptop")
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var views []status.View
	var trouble string
	last := func() status.View {
		mu.Lock()
		defer mu.Unlock()
		if len(views) == 0 {
			return status.View{}
		}
		return views[len(views)-1]
	}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		status.Follow(fctx, cfg.WatchHealth, status.Backoff{First: 50 * time.Millisecond, Max: 200 * time.Millisecond}, func(h *schema.Health, online bool, why error) {
			mu.Lock()
			views = append(views, status.Of(h, online, false))
			trouble = status.Trouble(why)
			mu.Unlock()
		})
		close(done)
	}()
	defer func() { cancel(); <-done }()
	wait := func(what string, icon status.Icon) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for last().Icon != icon {
			if time.Now().After(deadline) {
				t.Fatalf("the tray never showed %s; last %+v", what, last())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait("the server's health", status.Good)

	u, _ := url.Parse(s.URL)
	s.Stop()
	wait("the server gone", status.Offline)
	if v := last(); !strings.HasPrefix(v.Line, "The server cannot be reached") {
		t.Errorf("offline line: %q", v.Line)
	}
	s.Opt.HTTPSListen = u.Host // the same address, as a real server restarts
	s.Restart()
	wait("the server back", status.Good)

	// Removed from the server, the PC is told so, not that the server is away.
	ds, _ := s.Admin().Devices(ctx)
	for _, d := range ds {
		if err := s.Admin().RemoveDevice(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	s.Restart() // the stream open now was signed in before the removal
	pooltest.Eventually(t, 20*time.Second, "the reason", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return trouble == "This PC was removed from the server; join it again"
	})
}
