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
	"strings"
	"testing"
	"time"

	"github.com/huin/goupnp/dcps/av1"
	"github.com/huin/goupnp/httpu"
	"github.com/huin/goupnp/ssdp"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/webhdr"
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
	for _, d := range []string{"Videos/Holidays", "Music/Album", "Music/Live", "Music/Tagged"} {
		if _, err := s.Admin().Mkdir(ctx, d, time.Time{}); err != nil {
			t.Fatal(err)
		}
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
	// Albums with their art, one of each kind and case; a tiny real video, for its frame.
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 600, 600)), nil); err != nil {
		t.Fatal(err)
	}
	// One second of ffmpeg's test pattern, 160x120, H.264 with its index at the end (so
	// the thumbnailer seeks): ffmpeg -f lavfi -i testsrc=size=160x120:rate=5 -t 1
	// -c:v libx264 -preset veryslow -crf 35 -pix_fmt yuv420p clip.mp4
	clip, err := os.ReadFile("testdata/clip.mp4")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		data []byte
	}{
		{"Pictures/sunset.png", png.Bytes()}, {"dad/me.png", png.Bytes()},
		{"Music/Album/Cover.jpg", jpg.Bytes()}, {"Music/Live/FOLDER.PNG", png.Bytes()}, {"Videos/clip.mp4", clip},
	} {
		if _, err := s.Admin().Put(ctx, f.path, bytes.NewReader(f.data), int64(len(f.data)), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"Music/Album/track.mp3", "Music/Live/track.flac", "Music/Tagged/plain.mp3"} {
		v.put(t, p, 10<<10)
	}
	var art bytes.Buffer
	if err := jpeg.Encode(&art, image.NewRGBA(image.Rect(0, 0, 400, 300)), nil); err != nil {
		t.Fatal(err)
	}
	mp3 := id3Picture(art.Bytes())
	if _, err := s.Admin().Put(ctx, "Music/Tagged/tagged.mp3", bytes.NewReader(mp3), int64(len(mp3)), time.Time{}); err != nil {
		t.Fatal(err)
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
	Containers []didlFolder `xml:"container"`
	Items      []didlItem   `xml:"item"`
}

type didlFolder struct {
	ID    string `xml:"id,attr"`
	Title string `xml:"title"`
	Art   string `xml:"albumArtURI"`
}

type didlItem struct {
	ID    string `xml:"id,attr"`
	Title string `xml:"title"`
	Art   string `xml:"albumArtURI"`
	Res   []struct {
		URL      string `xml:",chardata"`
		Protocol string `xml:"protocolInfo,attr"`
	} `xml:"res"`
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
	if resp.Header.Get("Content-Security-Policy") != webhdr.FileCSP || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s came without the sandbox headers of a family's file: %v", link, resp.Header)
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

// thumbnail fetches a thumbnail and checks it is a JPEG of the size wanted.
func thumbnail(t *testing.T, link string, w, h int) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	img, err := jpeg.Decode(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the thumbnail at %s: %d %v", link, resp.StatusCode, err)
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("the thumbnail at %s is %dx%d, want %dx%d", link, b.Dx(), b.Dy(), w, h)
	}
}

// id3Picture is an MP3's beginning whose ID3v2.3 tag holds a front cover, the picture
// given (an APIC frame), followed by some of the sound.
func id3Picture(pic []byte) []byte {
	var frame bytes.Buffer
	frame.WriteByte(0) // ISO-8859-1 text
	frame.WriteString("image/jpeg\x00")
	frame.WriteByte(3) // the front cover
	frame.WriteString("\x00")
	frame.Write(pic)
	var b bytes.Buffer
	size := 10 + frame.Len()
	b.WriteString("ID3\x03\x00\x00")
	b.Write([]byte{byte(size >> 21 & 0x7f), byte(size >> 14 & 0x7f), byte(size >> 7 & 0x7f), byte(size & 0x7f)})
	b.WriteString("APIC")
	b.Write([]byte{byte(frame.Len() >> 24), byte(frame.Len() >> 16), byte(frame.Len() >> 8), byte(frame.Len()), 0, 0})
	b.Write(frame.Bytes())
	sound := make([]byte, 4096)
	rand.Read(sound)
	b.Write(sound)
	return b.Bytes()
}
