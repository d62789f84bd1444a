package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/paths"
)

// 'hearthd run' ends as on SIGTERM when the console asks: with app.ExitRestart for a
// restart (hearthd.service starts it again on it) and 0 for a shutdown.
func TestRunExitsForRestartAndShutdown(t *testing.T) {
	t.Setenv("HEARTH_SUPERVISED", "1") // as hearthd.service sets it
	state := filepath.Join(t.TempDir(), "state")
	for _, c := range []struct {
		name string
		ask  func(admin.Service) error
		code int
	}{
		{"restart", func(s admin.Service) error { return s.Restart(context.Background()) }, app.ExitRestart},
		{"shutdown", func(s admin.Service) error { return s.Shutdown(context.Background()) }, 0},
	} {
		var log bytes.Buffer
		done := make(chan int, 1)
		go func() {
			done <- Main(context.Background(), []string{"-state", state, "run", "-listen", "127.0.0.1:0", "-http", "off", "-announce=false", "-media", "127.0.0.1:0"}, &log, &log)
		}()
		var svc admin.Service
		for deadline := time.Now().Add(10 * time.Second); svc == nil; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(paths.Socket(state)); err == nil {
				if c, err := admin.Dial(context.Background(), paths.Socket(state)); err == nil {
					svc = c
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the daemon did not start:\n%s", c.name, log.String())
			}
		}
		if err := c.ask(svc); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		select {
		case code := <-done:
			if code != c.code {
				t.Errorf("%s: hearthd run exited %d, want %d:\n%s", c.name, code, c.code, log.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: hearthd run did not end", c.name)
		}
		if _, err := os.Stat(paths.Socket(state)); !os.IsNotExist(err) {
			t.Errorf("%s: the control socket is still there after a clean stop: %v", c.name, err)
		}
	}
}
