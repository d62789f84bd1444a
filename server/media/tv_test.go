package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	pngenc "image/png"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huin/goupnp"
	"github.com/huin/goupnp/dcps/av1"
	"github.com/huin/goupnp/httpu"
	"github.com/huin/goupnp/ssdp"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/media"
	"github.com/hearth-home/hearth/server/pool"
)

// outsider is an address of the test's namespace outside the networks the media server
// is told are the home's: a device on another network.
const outsider = "192.0.2.1"

// inNamespace runs the test again inside a network namespace of its own (loopback with
// multicast on it, and an outsider's address if asked), so that SSDP goes nowhere near
// the machine's network. It reports true in the copy that runs inside.
func inNamespace(t *testing.T, withOutsider bool) bool {
	if os.Getenv("HEARTH_TEST_IN_NETNS") != "" {
		return true
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "ip")
	ns := fmt.Sprintf("hzm%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	cmds := [][]string{{"link", "set", "lo", "up"}, {"link", "set", "lo", "multicast", "on"}, {"route", "add", "239.0.0.0/8", "dev", "lo", "src", "127.0.0.1"}}
	if withOutsider {
		// Not on loopback, whose address serves the host only: a client that does not
		// choose its address would send its SSDP searches from the outsider's.
		cmds = append(cmds, []string{"link", "add", "out0", "type", "veth", "peer", "name", "out1"},
			[]string{"addr", "add", outsider + "/24", "dev", "out0"}, []string{"link", "set", "out0", "up"}, []string{"link", "set", "out1", "up"})
	}
	for _, args := range cmds {
		if out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v %s", args, err, out)
		}
	}
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_IN_NETNS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("inside the namespace: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("inside the namespace:\n%s", out)
	}
	return false
}

// home is the only network the media server is told is the home's in these tests.
func home() ([]*net.IPNet, error) {
	_, n, err := net.ParseCIDR("127.0.0.0/8")
	return []*net.IPNet{n}, err
}

// tv is a hearthd with a second drive, whose TVs' media server announces itself.
type tv struct {
	*apptest.Server
	media string // http://host:port of the media server
	files map[string][]byte
}

func startTV(t *testing.T) *tv {
	s := apptest.Start(t, func(o *app.Options) {
		o.NoDiscovery = false
		o.MediaSubnets = home
	})
	ctx := context.Background()
	if _, err := s.Admin().AddDrive(ctx, t.TempDir(), "second"); err != nil {
		t.Fatal(err)
	}
	s.AddUser("dad", "correct horse", true)
	v := &tv{Server: s, media: s.MediaURL(), files: map[string][]byte{}}
	if _, err := s.Admin().Mkdir(ctx, "Videos/Holidays", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Videos/Holidays/film.mp4", "Videos/Holidays/film.srt", "Music/song.mp3", "Pictures/cat.jpg",
		"Documents/secret.mp4", "dad/private.mp4"} {
		v.put(t, p, 300<<10)
	}
	// A real picture, for its thumbnail.
	img := image.NewRGBA(image.Rect(0, 0, 800, 400))
	for x := range 800 {
		img.Set(x, x%400, color.RGBA{R: 200, A: 255})
	}
	var png bytes.Buffer
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"Pictures/sunset.png", "dad/me.png"} {
		if _, err := s.Admin().Put(ctx, p, bytes.NewReader(png.Bytes()), int64(png.Len()), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	return v
}

// put writes a file of n random bytes through the admin service.
func (v *tv) put(t *testing.T, path string, n int) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	if _, err := v.Admin().Put(context.Background(), path, bytes.NewReader(b), int64(n), time.Time{}); err != nil {
		t.Fatalf("put %s: %v", path, err)
	}
	v.files[path] = b
}

// discover finds the media server by SSDP, as a TV does, and returns its description's
// address.
func discover(t *testing.T, media string) *url.URL {
	t.Helper()
	loc := search(t, media, 5)
	if loc == nil {
		t.Fatalf("no SSDP answer from the media server at %s", media)
	}
	return loc
}

// search looks for the media server at media by SSDP, tries times, and returns its
// description's address, nil when it does not answer.
func search(t *testing.T, media string, tries int) *url.URL {
	t.Helper()
	c, err := httpu.NewHTTPUClientAddr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	mu, _ := url.Parse(media)
	for range tries {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		resps, err := ssdp.RawSearch(ctx, c, "urn:schemas-upnp-org:device:MediaServer:1", 2)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resps {
			loc, err := r.Location()
			if err == nil && loc.Host == mu.Host {
				return loc
			}
		}
	}
	return nil
}

// didl is what a Browse answers, as much of it as the tests read.
type didl struct {
	Containers []struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title"`
	} `xml:"container"`
	Items []struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title"`
		Res   []struct {
			URL      string `xml:",chardata"`
			Protocol string `xml:"protocolInfo,attr"`
		} `xml:"res"`
	} `xml:"item"`
}

func (d didl) titles() []string {
	var out []string
	for _, c := range d.Containers {
		out = append(out, c.Title+"/")
	}
	for _, i := range d.Items {
		out = append(out, i.Title)
	}
	return out
}

// browse lists a folder of the ContentDirectory, with the update id the answer carries.
func browse(t *testing.T, cd *av1.ContentDirectory1, id string) (didl, uint32) {
	t.Helper()
	res, _, _, upd, err := cd.Browse(id, "BrowseDirectChildren", "*", 0, 0, "")
	if err != nil {
		t.Fatalf("browse %s: %v", id, err)
	}
	var d didl
	if err := xml.Unmarshal([]byte(res), &d); err != nil {
		t.Fatalf("browse %s: %v\n%s", id, err, res)
	}
	return d, upd
}

// fetch reads part of a file from the link the listing gives, as a player seeking does,
// and checks it byte for byte.
func fetch(t *testing.T, link string, want []byte) {
	t.Helper()
	from, to := 1000, len(want)-777
	req, _ := http.NewRequest("GET", link, nil)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, to))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range of %s: %d %v", link, resp.StatusCode, err)
	}
	if !bytes.Equal(got, want[from:to+1]) {
		t.Fatalf("range of %s: %d bytes differ from the file's", link, len(got))
	}
}

// link is the address of an item's own content (not a subtitle or thumbnail).
func (d didl) link(t *testing.T, title string) string {
	t.Helper()
	return d.resource(t, title, "http-get:*:"+mime.TypeByExtension(path.Ext(title))+":")
}

// resource is the address of an item's resource whose protocol info holds kind.
func (d didl) resource(t *testing.T, title, kind string) string {
	t.Helper()
	for _, i := range d.Items {
		if i.Title == title {
			for _, r := range i.Res {
				if strings.Contains(r.Protocol, kind) {
					return r.URL
				}
			}
		}
	}
	t.Fatalf("no item %s with a resource of %s in %v", title, kind, d.titles())
	return ""
}

// TestTVs: a UPnP control point finds the media server by SSDP, browses it and plays a
// file with a seek, byte for byte; only the streamed shares are there; a file added over
// WebDAV shows in the next listing with a new SystemUpdateID; a file whose drive is
// pulled plays from its other copy; a device outside the home's networks is refused.
func TestTVs(t *testing.T) {
	if !inNamespace(t, true) {
		return
	}
	v := startTV(t)
	loc := discover(t, v.media)
	root, err := goupnp.DeviceByURL(loc)
	if err != nil {
		t.Fatal(err)
	}
	if name := root.Device.FriendlyName; !strings.HasPrefix(name, "Hearth") {
		t.Errorf("the TVs see the server as %q", name)
	}
	cds, err := av1.NewContentDirectory1ClientsByURL(loc)
	if err != nil || len(cds) != 1 {
		t.Fatalf("content directory: %v %d", err, len(cds))
	}
	cd := cds[0]

	t.Run("browse and play", func(t *testing.T) {
		top, _ := browse(t, cd, "0")
		if got, want := top.titles(), []string{"Music/", "Pictures/", "Videos/"}; !slices.Equal(got, want) {
			t.Errorf("the TVs see %v, want %v", got, want)
		}
		hol, _ := browse(t, cd, "Videos/Holidays")
		fetch(t, hol.link(t, "film.mp4"), v.files["Videos/Holidays/film.mp4"])
	})

	t.Run("subtitles beside a video", func(t *testing.T) {
		hol, _ := browse(t, cd, "Videos/Holidays")
		srt := hol.resource(t, "film.mp4", "text/srt")
		fetch(t, srt, v.files["Videos/Holidays/film.srt"])
		// Samsung's renderers ask for them with the video.
		req, _ := http.NewRequest("HEAD", hol.link(t, "film.mp4"), nil)
		req.Header.Set("getCaptionInfo.sec", "1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("CaptionInfo.sec"); got != srt {
			t.Errorf("CaptionInfo.sec: %q, want %q", got, srt)
		}
	})

	t.Run("pictures have thumbnails", func(t *testing.T) {
		pics, _ := browse(t, cd, "Pictures")
		link := pics.resource(t, "sunset.png", "JPEG_TN")
		resp, err := http.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		thumb, err := jpeg.Decode(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("the thumbnail of sunset.png: %d %v", resp.StatusCode, err)
		}
		if b := thumb.Bounds(); b.Dx() != 256 || b.Dy() != 128 {
			t.Errorf("the thumbnail is %dx%d, want 256x128", b.Dx(), b.Dy())
		}
	})

	t.Run("private shares never appear", func(t *testing.T) {
		for _, p := range []string{"Documents/secret.mp4", "dad/private.mp4"} {
			for _, u := range []string{"/res?path=" + url.QueryEscape(p), "/subtitle?path=" + url.QueryEscape(p),
				"/icon?path=" + url.QueryEscape(p), "/res?path=" + url.QueryEscape("./../"+p)} {
				if code := status(t, http.DefaultClient, "GET", v.media+u); code != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", u, code)
				}
			}
			share, _, _ := strings.Cut(p, "/")
			if _, _, _, _, err := cd.Browse(share, "BrowseDirectChildren", "*", 0, 0, ""); err == nil {
				t.Errorf("the TVs may list %s", share)
			}
		}
		if code := status(t, http.DefaultClient, "GET", v.media+"/icon?path=dad%2Fme.png&c=jpeg"); code != http.StatusNotFound {
			t.Errorf("a private picture's thumbnail: %d, want 404", code)
		}
		if code := status(t, http.DefaultClient, "GET", v.media+"/debug/pprof/goroutine?debug=2"); code != http.StatusNotFound {
			t.Errorf("dms's pprof pages answer: %d", code)
		}
	})

	t.Run("a file added, renamed and deleted over WebDAV", func(t *testing.T) {
		before, err := cd.GetSystemUpdateID()
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 200<<10)
		rand.Read(body)
		resp, _ := v.Do("dad", "correct horse", "PUT", "/dav/Videos/Holidays/new.mp4", bytes.NewReader(body))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("WebDAV PUT: %d", resp.StatusCode)
		}
		after, err := cd.GetSystemUpdateID()
		if err != nil || after == before {
			t.Errorf("SystemUpdateID %d before the file, %d after (%v)", before, after, err)
		}
		hol, upd := browse(t, cd, "Videos/Holidays")
		if upd != after {
			t.Errorf("the listing's UpdateID is %d, the SystemUpdateID %d", upd, after)
		}
		fetch(t, hol.link(t, "new.mp4"), body)

		// Renamed, then deleted: each shows in the next listing, with a new id.
		steps := []struct {
			method, path string
			hdr          []string
			want         int
			titles       []string
		}{
			{"MOVE", "/dav/Videos/Holidays/new.mp4", []string{"Destination", v.URL + "/dav/Videos/Holidays/renamed.mp4"}, http.StatusCreated,
				[]string{"film.mp4", "renamed.mp4"}},
			{"DELETE", "/dav/Videos/Holidays/renamed.mp4", nil, http.StatusNoContent, []string{"film.mp4"}},
		}
		last := after
		for _, st := range steps {
			resp, _ := v.Do("dad", "correct horse", st.method, st.path, nil, st.hdr...)
			if resp.StatusCode != st.want {
				t.Fatalf("WebDAV %s: %d", st.method, resp.StatusCode)
			}
			id, err := cd.GetSystemUpdateID()
			if err != nil || id == last {
				t.Errorf("SystemUpdateID after %s: %d, before %d (%v)", st.method, id, last, err)
			}
			last = id
			hol, _ := browse(t, cd, "Videos/Holidays")
			if got := hol.titles(); !slices.Equal(got, st.titles) {
				t.Errorf("after %s the TVs see %v, want %v", st.method, got, st.titles)
			}
		}
	})

	t.Run("a pulled drive's file plays from its other copy", func(t *testing.T) {
		p := "Videos/Holidays/film.mp4"
		fi, err := v.Admin().List(context.Background(), "Videos/Holidays")
		if i := slices.IndexFunc(fi, func(f pool.FileInfo) bool { return f.Path == p }); err != nil || i < 0 || fi[i].Copies != 2 {
			t.Fatalf("the film is not on both drives: %+v %v", fi, err)
		}
		if err := os.Rename(v.Drive, v.Drive+".pulled"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(v.Drive+".pulled", v.Drive)
		hol, _ := browse(t, cd, "Videos/Holidays")
		fetch(t, hol.link(t, "film.mp4"), v.files[p])
	})

	t.Run("a server told not to announce itself is silent", func(t *testing.T) {
		quiet := apptest.Start(t, func(o *app.Options) { o.MediaSubnets = home }) // NoDiscovery, as -announce=false
		if loc := search(t, quiet.MediaURL(), 2); loc != nil {
			t.Errorf("a server run with -announce=false answered an SSDP search: %s", loc)
		}
	})

	t.Run("subscribers are told of changes", func(t *testing.T) {
		type event struct{ seq, id string }
		events := make(chan event, 8)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			id := regexp.MustCompile(`<SystemUpdateID>([0-9]+)</SystemUpdateID>`).FindStringSubmatch(string(b))
			if r.Method == "NOTIFY" && r.Header.Get("NT") == "upnp:event" && id != nil {
				events <- event{r.Header.Get("SEQ"), id[1]}
			}
		})}
		go srv.Serve(ln)
		defer srv.Close()
		gena := func(method, sid, callback string) (int, string) {
			req, _ := http.NewRequest(method, v.media+"/evt/ContentDirectory", nil)
			if callback != "" {
				req.Header.Set("CALLBACK", "<"+callback+">")
				req.Header.Set("NT", "upnp:event")
			}
			if sid != "" {
				req.Header.Set("SID", sid)
			}
			req.Header.Set("TIMEOUT", "Second-300")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode, resp.Header.Get("SID")
		}
		next := func(what string) event {
			t.Helper()
			select {
			case e := <-events:
				return e
			case <-time.After(30 * time.Second):
				t.Fatalf("the subscriber was never told %s", what)
			}
			return event{}
		}
		// Only for oneself: the server would otherwise call on whatever a device names.
		if code, _ := gena("SUBSCRIBE", "", "http://127.0.0.2:"+strings.Split(ln.Addr().String(), ":")[1]+"/elsewhere"); code != http.StatusPreconditionFailed {
			t.Errorf("a subscription for another address: %d, want 412", code)
		}
		code, sid := gena("SUBSCRIBE", "", "http://"+ln.Addr().String()+"/events")
		if code != http.StatusOK || sid == "" {
			t.Fatalf("a subscription for oneself: %d %q", code, sid)
		}
		now, err := cd.GetSystemUpdateID()
		if err != nil {
			t.Fatal(err)
		}
		if e := next("the first value"); e.seq != "0" || e.id != fmt.Sprint(now) {
			t.Errorf("first event %+v, want SEQ 0 and SystemUpdateID %d", e, now)
		}
		v.put(t, "Music/another.mp3", 1000)
		e := next("a change")
		for e.id == fmt.Sprint(now) { // a change from before the subscription, told late
			e = next("a change")
		}
		if after, _ := cd.GetSystemUpdateID(); e.seq == "0" || e.id != fmt.Sprint(after) {
			t.Errorf("after a change: %+v, want a later SEQ and the SystemUpdateID %d", e, after)
		}
		if code, _ := gena("SUBSCRIBE", sid, ""); code != http.StatusOK {
			t.Errorf("renewing the subscription: %d", code)
		}
		if code, _ := gena("UNSUBSCRIBE", sid, ""); code != http.StatusOK {
			t.Errorf("ending the subscription: %d", code)
		}
		if code, _ := gena("SUBSCRIBE", sid, ""); code != http.StatusPreconditionFailed {
			t.Errorf("renewing an ended subscription: %d, want 412", code)
		}
	})

	t.Run("the home's networks are the machine's own", func(t *testing.T) {
		nets, err := media.LocalSubnets()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range nets {
			got = append(got, n.String())
		}
		for _, want := range []string{"127.0.0.0/8", "192.0.2.0/24"} {
			if !slices.Contains(got, want) {
				t.Errorf("the namespace's networks are %v, without %s", got, want)
			}
		}
	})

	t.Run("outside the home network", func(t *testing.T) {
		out := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.ParseIP(outsider)}}).DialContext}}
		for _, u := range []string{loc.String(), v.media + "/res?path=" + url.QueryEscape("Music/song.mp3"), v.media + "/ctl"} {
			if code := status(t, out, "GET", u); code != http.StatusForbidden {
				t.Errorf("GET %s from %s: %d, want 403", u, outsider, code)
			}
		}
	})
}

// status is the status of a request.
func status(t *testing.T, c *http.Client, method, u string) int {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
