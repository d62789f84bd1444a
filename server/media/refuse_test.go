package media_test

import (
	"context"
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

// TestMediaOff: with the media server turned off (media_listen "off", or hearthd run
// -media off) nothing listens for the TVs, and health says it is off.
func TestMediaOff(t *testing.T) {
	s := apptest.Start(t, func(o *app.Options) { o.MediaListen = "off" })
	if a := s.App.MediaAddr(); a != nil {
		t.Errorf("the media server listens at %s though it is off", a)
	}
	h, err := s.Admin().Health(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if h.Media == nil || h.Media.State != "off" {
		t.Errorf("health says of the media server: %+v", h.Media)
	}
}
