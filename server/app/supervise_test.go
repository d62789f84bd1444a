package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// When a part of a running server stops (here the web server, its listener closed under
// it), it is started again on the same address, and health says it happened; the rest
// of the server runs on.
func TestFailedPartIsRestartedAndReported(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", "correct horse", true)
	s.App.CloseWebListener()
	pooltest.Eventually(t, 10*time.Second, "health reports the stopped web server", func() bool {
		for _, a := range s.App.Health.Health(health.Viewer{Admin: true}).Alerts {
			if a.Code == "service-restarted" && a.Subject == "The web server (the shared folders, WebDAV and the API)" {
				return true
			}
		}
		return false
	})
	pooltest.Eventually(t, 10*time.Second, "the web server answers again on its address", func() bool {
		req, _ := http.NewRequestWithContext(context.Background(), "PROPFIND", s.URL+"/dav/", nil)
		req.SetBasicAuth("dad", "correct horse")
		req.Header.Set("Depth", "1")
		resp, err := s.Client().Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusMultiStatus
	})
}
