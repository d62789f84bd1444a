package media_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/huin/goupnp"
	"github.com/huin/goupnp/dcps/av1"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/media"
	"github.com/hearth-home/hearth/server/pool"
)

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
		thumbnail(t, pics.resource(t, "sunset.png", "JPEG_TN"), 256, 128)
	})

	t.Run("album and folder art", func(t *testing.T) {
		music, _ := browse(t, cd, "Music")
		for _, c := range []struct {
			album, track, art string
			w, h              int // the thumbnail's: the art's bounded to 256
		}{
			{"Album", "track.mp3", "Cover.jpg", 256, 256}, {"Live", "track.flac", "FOLDER.PNG", 256, 128},
		} {
			i := slices.IndexFunc(music.Containers, func(f didlFolder) bool { return f.Title == c.album })
			if i < 0 || music.Containers[i].Art == "" {
				t.Errorf("the folder %s, with a %s, shows no art: %+v", c.album, c.art, music.Containers)
			} else {
				thumbnail(t, music.Containers[i].Art, c.w, c.h)
			}
			album, _ := browse(t, cd, "Music/"+c.album)
			thumbnail(t, album.resource(t, c.track, "JPEG_TN"), c.w, c.h)
			if i := slices.IndexFunc(album.Items, func(f didlItem) bool { return f.Title == c.track }); album.Items[i].Art == "" {
				t.Errorf("%s in %s has no albumArtURI", c.track, c.album)
			}
		}
		// Art embedded in the music, where its folder has none.
		tagged, _ := browse(t, cd, "Music/Tagged")
		thumbnail(t, tagged.resource(t, "tagged.mp3", "JPEG_TN"), 256, 192)
		// Music without art is named until a first look finds none; from then on it names
		// none, so the TV asks for nothing.
		for _, p := range []string{"Music/song.mp3", "Music/Tagged/plain.mp3"} {
			status(t, http.DefaultClient, "GET", v.media+"/icon?path="+url.QueryEscape(p))
		}
		for _, dir := range []string{"Music", "Music/Tagged"} {
			l, _ := browse(t, cd, dir)
			for _, it := range l.Items {
				named := it.Art != ""
				for _, r := range it.Res {
					named = named || strings.Contains(r.Protocol, "JPEG_TN")
				}
				if named != (it.Title == "tagged.mp3") {
					t.Errorf("%s in %s names a picture: %v, want %v", it.Title, dir, named, !named)
				}
			}
		}
	})

	t.Run("a long folder in pages", func(t *testing.T) {
		if _, err := v.Admin().Mkdir(context.Background(), "Music/Many", time.Time{}); err != nil {
			t.Fatal(err)
		}
		for i := range 30 {
			v.put(t, fmt.Sprintf("Music/Many/%02d.mp3", i), 100)
		}
		ids := func(start, count uint32) ([]string, uint32) {
			t.Helper()
			res, n, total, _, err := cd.Browse("Music/Many", "BrowseDirectChildren", "*", start, count, "")
			var d didl
			if err == nil {
				err = xml.Unmarshal([]byte(res), &d)
			}
			if err != nil || int(n) != len(d.Items) {
				t.Fatalf("browse from %d: %v, %d returned for %d items", start, err, n, len(d.Items))
			}
			var out []string
			for _, it := range d.Items {
				out = append(out, it.Title)
			}
			return out, total
		}
		// Pages of any size, after the folder was listed whole and after a change, are
		// the whole folder's items in order, as dms lists them.
		for _, step := range []string{"first", "again", "after a change"} {
			if step == "after a change" {
				v.put(t, "Music/Many/30.mp3", 100)
			}
			whole, total := ids(0, 0)
			if len(whole) != int(total) || (step == "after a change") != (total == 31) || !slices.IsSorted(whole) {
				t.Fatalf("%s: the whole folder is %d of %d items: %v", step, len(whole), total, whole)
			}
			var paged []string
			for start := uint32(0); start < total; start += 7 {
				page, tm := ids(start, 7)
				if tm != total {
					t.Errorf("%s: a page says the folder has %d items, not %d", step, tm, total)
				}
				paged = append(paged, page...)
			}
			if !slices.Equal(paged, whole) {
				t.Errorf("%s: pages of 7 hold %v, the whole folder %v", step, paged, whole)
			}
			if beyond, _ := ids(total+5, 7); len(beyond) != 0 {
				t.Errorf("%s: a page beyond the end holds %v", step, beyond)
			}
		}
	})

	t.Run("videos have a frame for a thumbnail", func(t *testing.T) {
		vids, _ := browse(t, cd, "Videos")
		thumbnail(t, vids.resource(t, "clip.mp4", "JPEG_TN"), 256, 192)
	})

	t.Run("without ffmpegthumbnailer videos name no thumbnail", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		hol, _ := browse(t, cd, "Videos/Holidays")
		for _, it := range hol.Items {
			for _, r := range it.Res {
				if strings.Contains(r.Protocol, "JPEG_TN") || it.Art != "" {
					t.Errorf("%s names a thumbnail that cannot be made: %+v", it.Title, it)
				}
			}
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
