package media_test

import (
	"context"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
)

// upnpavdump is the ContentDirectory dump Debian's libnet-upnp-perl ships as an example.
const upnpavdump = "/usr/share/doc/libnet-upnp-perl/examples/upnpavdump.pl"

// TestDebianClients: control points written by others find and browse the media server
// too: GSSDP (GNOME's SSDP library) finds it on the network, and libnet-upnp-perl's
// upnpavdump.pl walks its ContentDirectory, seeing the streamed shares' files with their
// links and nothing of the private shares.
func TestDebianClients(t *testing.T) {
	if !inNamespace(t, false) {
		return
	}
	testenv.NeedTool(t, "/usr/bin/python3")
	testenv.NeedTool(t, "perl")
	testenv.NeedTool(t, upnpavdump)
	v := startTV(t)
	mu, _ := url.Parse(v.media)

	t.Run("GSSDP finds it", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "/usr/bin/python3", "testdata/gssdp_browse.py", "lo", "4").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "http://"+mu.Host+"/rootDesc.xml") {
			t.Errorf("GSSDP did not find the media server at %s: %v\n%s", mu.Host, err, out)
		}
	})

	t.Run("upnpavdump walks it", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// Its search loops until a server answers; the timeout ends it if none does.
		out, err := exec.CommandContext(ctx, "perl", upnpavdump, "Hearth").CombinedOutput()
		dump := string(out)
		if err != nil {
			t.Fatalf("upnpavdump: %v\n%s", err, dump)
		}
		if !regexp.MustCompile(`SystemUpdateID = [0-9]+\n`).MatchString(dump) {
			t.Errorf("the dump has no SystemUpdateID:\n%s", dump)
		}
		for _, want := range []string{"Videos = Videos", "film.mp4 (http://" + mu.Host + "/res?path=Videos%2FHolidays%2Ffilm.mp4",
			"song.mp3 (http://" + mu.Host + "/res?path=Music%2Fsong.mp3", "cat.jpg"} {
			if !strings.Contains(dump, want) {
				t.Errorf("the dump lacks %q:\n%s", want, dump)
			}
		}
		for _, private := range []string{"Documents", "secret", "dad", "private"} {
			if strings.Contains(dump, private) {
				t.Errorf("the dump shows %q:\n%s", private, dump)
			}
		}
	})
}
