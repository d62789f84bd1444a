package media

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/webhdr"
)

// passed says whether a path of dms is one a TV needs. dms also serves its pprof pages,
// a page naming its folder, and thumbnails and subtitles read from the machine's own
// folders rather than through the pool (/icon, /subtitle): those are never passed on
// (the front serves both through the pool).
// Its events (/evt) tell no change: the front keeps the subscriptions (events.go).
func passed(path string) bool {
	switch path {
	case "/rootDesc.xml", "/ctl", "/res",
		"/scpd/ContentDirectory.xml", "/scpd/ConnectionManager.xml", "/scpd/X_MS_MediaReceiverRegistrar.xml":
		return true
	}
	return false
}

// ServeHTTP answers the TVs: it refuses devices outside the local networks, answers the
// system update id, its events and subtitles itself, and passes what a TV needs on to
// dms.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := s.state.Load()
	if st == nil {
		http.Error(w, "The media server is starting; try again in a moment.", http.StatusServiceUnavailable)
		return
	}
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	ip := net.ParseIP(host)
	if ip == nil || !contains(st.nets, ip) {
		s.log.Debug("a device outside the home network was refused", "client", host)
		http.Error(w, "This media server answers only the devices of the home network.", http.StatusForbidden)
		return
	}
	switch r.URL.Path {
	case "/res", "/subtitle", "/icon":
		// A family's file, which a browser on the network may open too: never as a page
		// that runs (the console's sign-in cookie is sent to this port as well).
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", webhdr.FileCSP)
	}
	switch {
	case r.URL.Path == "/ctl" && soapAction(r, "#GetSystemUpdateID"):
		s.systemUpdateID(w)
	case r.URL.Path == "/ctl" && soapAction(r, "#QueryStateVariable") && asksUpdateID(r):
		s.queriedUpdateID(w)
	case r.URL.Path == "/ctl" && soapAction(r, "ContentDirectory:1#Browse") && s.pageFromKept(st, w, r):
	case r.URL.Path == "/subtitle":
		subtitle(st.fs, w, r)
	case r.URL.Path == "/icon":
		s.icon(st.fs, w, r)
	case r.URL.Path == "/evt/ContentDirectory" && !ownCallbacks(r, ip):
		http.Error(w, "A device may subscribe only for itself.", http.StatusPreconditionFailed)
	case r.URL.Path == "/evt/ContentDirectory":
		s.subscribe(w, r)
	case passed(r.URL.Path):
		if r.URL.Path == "/res" {
			offerSubtitle(st.fs, w, r)
		}
		r = r.WithContext(context.WithValue(r.Context(), clientKey{}, addr(r.RemoteAddr)))
		st.proxy.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// pageFromKept answers a Browse of a folder's children from the folder's kept listing
// (pages.go), reporting false when it did not (dms answers).
func (s *Server) pageFromKept(st *state, w http.ResponseWriter, r *http.Request) bool {
	a, ok := browseRequest(r)
	return ok && s.browsePage(st, w, r, a)
}

// updateID is the ContentDirectory's SystemUpdateID: it changes whenever the pool or a
// share's streaming does, so a TV knows its listings are stale without walking them.
// It starts from the time the server started, so a restart does not bring back an id a
// TV saw before.
func (s *Server) updateID() string {
	return strconv.FormatUint(uint64(uint32(s.base+s.opt.Pool.Changes())), 10)
}

// systemUpdateID answers the ContentDirectory's GetSystemUpdateID (dms's is fixed).
func (s *Server) systemUpdateID(w http.ResponseWriter) {
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	w.Header().Set("Ext", "")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8" standalone="yes"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:GetSystemUpdateIDResponse xmlns:u="urn:schemas-upnp-org:service:ContentDirectory:1"><Id>%s</Id></u:GetSystemUpdateIDResponse></s:Body></s:Envelope>`, s.updateID())
}

// soapAction reports whether a control request is for the action named.
func soapAction(r *http.Request, action string) bool {
	return strings.HasSuffix(strings.Trim(r.Header.Get("SOAPACTION"), `"`), action)
}

// asksUpdateID reports whether a QueryStateVariable asks for the SystemUpdateID, and
// leaves the body to be read again.
func asksUpdateID(r *http.Request) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return err == nil && bytes.Contains(body, []byte(">SystemUpdateID<"))
}

// queriedUpdateID answers the old UPnP way of asking a state variable (older control
// points ask the SystemUpdateID so; dms knows no such action).
func (s *Server) queriedUpdateID(w http.ResponseWriter) {
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	w.Header().Set("Ext", "")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8" standalone="yes"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:QueryStateVariableResponse xmlns:u="urn:schemas-upnp-org:control-1-0"><return>%s</return></u:QueryStateVariableResponse></s:Body></s:Envelope>`, s.updateID())
}

// fixUpdateID puts the server's update id into dms's Browse answers, where dms writes
// its process id, and the art of folders and music into their listings (withArt).
func (s *Server) fixUpdateID(resp *http.Response) error {
	if resp.Request.URL.Path != "/ctl" {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	body = bytes.ReplaceAll(body, []byte("<UpdateID>"+strconv.FormatUint(uint64(uint32(os.Getpid())), 10)+"</UpdateID>"),
		[]byte("<UpdateID>"+s.updateID()+"</UpdateID>"))
	body = s.withArt(body, resp.Request.Host)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// newProxy passes requests to dms over the pipe listener's transport, one connection
// each (each carries its own client's address).
func (s *Server) newProxy(tr http.RoundTripper) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", pr.In.Host
			pr.Out.Host = pr.In.Host // dms writes it into the links it gives
		},
		Transport:      tr,
		ModifyResponse: s.fixUpdateID,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				s.log.Warn("the media server could not answer a TV", "path", r.URL.Path, "err", err)
				http.Error(w, "The media server could not answer; try again.", http.StatusBadGateway)
			}
		},
	}
}

// subtitlePath is the .srt file beside a video, if the video's path is valid.
func subtitlePath(video string) (string, bool) {
	video = strings.TrimPrefix(path.Clean("/"+video), "/")
	if !fs.ValidPath(video) || video == "." {
		return "", false
	}
	return strings.TrimSuffix(video, path.Ext(video)) + ".srt", true
}

// subtitle serves the .srt beside a video, read through the pool like the video.
func subtitle(fsys fs.FS, w http.ResponseWriter, r *http.Request) {
	srt, ok := subtitlePath(r.URL.Query().Get("path"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := fsys.Open(srt)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	rs, seeks := f.(io.ReadSeeker)
	if err != nil || st.IsDir() || !seeks {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/srt; charset=utf-8")
	http.ServeContent(w, r, "", st.ModTime(), rs)
}

// offerSubtitle tells a renderer that asks (Samsung's getCaptionInfo.sec) where the
// subtitles of a video are, when a .srt lies beside it. Others find them among the
// video's resources in the listing.
func offerSubtitle(fsys fs.StatFS, w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("getCaptionInfo.sec") == "" {
		return
	}
	video := r.URL.Query().Get("path")
	srt, ok := subtitlePath(video)
	if !ok {
		return
	}
	if _, err := fsys.Stat(srt); err != nil {
		return
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: "/subtitle", RawQuery: url.Values{"path": {video}}.Encode()}
	w.Header().Set("CaptionInfo.sec", u.String())
}

// addr is a client's address as a net.Addr.
type addr string

func (a addr) Network() string { return "tcp" }
func (a addr) String() string  { return string(a) }

// ownCallbacks reports whether the addresses a subscription asks to be told at are all
// the subscriber's own, as UPnP means them to be: dms would send its notices anywhere,
// which would let a device on the network have the server call on others (or on itself).
func ownCallbacks(r *http.Request, client net.IP) bool {
	cb := r.Header.Get("CALLBACK")
	for cb != "" {
		start, end := strings.IndexByte(cb, '<'), strings.IndexByte(cb, '>')
		if start < 0 || end < start {
			return false
		}
		u, err := url.Parse(cb[start+1 : end])
		if err != nil {
			return false
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.Equal(client) {
			return false
		}
		cb = strings.TrimSpace(cb[end+1:])
	}
	return true
}
