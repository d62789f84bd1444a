package media_test

import (
	"net"
	"net/http"
	"testing"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestNoNetworkNoDevice: with no network of its own (the machine's interfaces have no
// address yet, say), the media server answers no device at all, not every device.
func TestNoNetworkNoDevice(t *testing.T) {
	s := apptest.Start(t, func(o *app.Options) {
		o.MediaSubnets = func() ([]*net.IPNet, error) { return []*net.IPNet{}, nil }
	})
	media := s.MediaURL()
	for _, p := range []string{"/rootDesc.xml", "/res?path=Music", "/ctl"} {
		resp, err := http.Get(media + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s with no home network: %d, want 403", p, resp.StatusCode)
		}
	}
}
