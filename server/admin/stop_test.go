package admin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
)

func stopped(t *testing.T, s *apptest.Server) {
	t.Helper()
	select {
	case <-s.App.Stopped():
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop")
	}
	s.App.Wait() // every part stops, as on SIGTERM
}

// Restart and Shutdown answer, then end the server's run cleanly; a restart is refused
// when nothing would start the server again.
func TestRestartAndShutdown(t *testing.T) {
	ctx := context.Background()
	t.Run("restart under a service manager", func(t *testing.T) {
		s := apptest.Start(t, func(o *app.Options) { o.Supervised = true })
		if err := control(t, s).Restart(ctx); err != nil {
			t.Fatal(err)
		}
		stopped(t, s)
		if !s.App.RestartAsked() {
			t.Error("a restart was asked, but the server says it was a shutdown")
		}
		s.Restart() // what the service manager does: it comes back on the same state
		if _, err := control(t, s).Status(ctx); err != nil {
			t.Errorf("after the restart: %v", err)
		}
	})
	t.Run("restart by hand", func(t *testing.T) {
		s := apptest.Start(t)
		if err := control(t, s).Restart(ctx); !errors.Is(err, admin.ErrNoRestarter) {
			t.Errorf("restart of a server nothing would start again: %v, want ErrNoRestarter", err)
		}
		select {
		case <-s.App.Stopped():
			t.Error("the refused restart stopped the server")
		default:
		}
	})
	t.Run("shutdown", func(t *testing.T) {
		s := apptest.Start(t, func(o *app.Options) { o.Supervised = true })
		if err := control(t, s).Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		stopped(t, s)
		if s.App.RestartAsked() {
			t.Error("a shutdown was asked, but the server says restart")
		}
	})
}
