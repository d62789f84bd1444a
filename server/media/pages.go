package media

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// pagesMax bounds the bytes of the folders' listings kept for paging (a listed item is
// about 700 bytes: a folder of 5,000 takes some 3.5 MB).
const pagesMax = 32 << 20

// pages keeps whole folders' listings as dms made them, each item apart, until the pool
// changes: dms makes every item of a folder for each page it answers, so a TV paging
// through a folder of 5,000 had it made 100 times. The front answers each page from the
// kept listing instead.
type pages struct {
	mu       sync.Mutex
	lists    []*pageList // newest last
	building string      // the key of the folder being listed whole, if one is
	built    chan struct{}
}

// start reports whether the folder of key may be listed whole now (none is), and marks
// it so; when that folder is being listed already, built is closed once it is.
func (p *pages) start(key string) (ok bool, built <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.built != nil {
		if p.building == key {
			return false, p.built
		}
		return false, nil
	}
	p.building, p.built = key, make(chan struct{})
	return true, nil
}

// done marks the folder being listed whole as listed.
func (p *pages) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.built)
	p.building, p.built = "", nil
}

// pageList is one folder's listing as one kind of device asked for it.
type pageList struct {
	key     string
	changes uint64   // the pool's count of changes when dms was asked
	head    string   // the DIDL-Lite element's start tag
	objects []string // each item and folder, in dms's order
	server  string   // dms's Server header
	size    int
}

// browseArgs are a Browse request's arguments.
type browseArgs struct {
	ObjectID       string
	BrowseFlag     string
	Filter         string
	StartingIndex  int
	RequestedCount int
	SortCriteria   string
}

// browseRequest reads a Browse request's arguments, and leaves its body to be read again.
func browseRequest(r *http.Request) (browseArgs, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	var env struct {
		Body struct {
			Browse browseArgs `xml:"Browse"`
		} `xml:"Body"`
	}
	if err != nil || xml.Unmarshal(body, &env) != nil {
		return browseArgs{}, false
	}
	a := env.Body.Browse
	return a, a.BrowseFlag == "BrowseDirectChildren" && a.StartingIndex >= 0 && a.RequestedCount >= 0
}

// browsePage answers a Browse of a folder's children from its kept listing. When it is
// not kept it reports false, having written nothing (dms answers that page, as quickly
// as before), and has dms list the whole folder in the background for the pages that
// follow, one folder at a time; a page asked while its folder is being listed waits for
// it rather than have dms make every item once more beside it.
func (s *Server) browsePage(st *state, w http.ResponseWriter, r *http.Request, a browseArgs) bool {
	key := strings.Join([]string{r.Host, r.UserAgent(), a.ObjectID, a.Filter, a.SortCriteria}, "\x00")
	l := st.pages.get(key, s.opt.Pool.Changes())
	if l == nil {
		start, built := st.pages.start(key)
		if built != nil {
			select {
			case <-built:
			case <-r.Context().Done():
				return false
			}
			l = st.pages.get(key, s.opt.Pool.Changes())
		}
		if start {
			bg := r.Clone(st.fs.ctx)
			go func() {
				defer st.pages.done()
				if l := s.listWhole(st, bg, a, key); l != nil {
					st.pages.keep(l, s.opt.Pool.Changes())
				}
			}()
		}
		if l == nil {
			return false
		}
	}
	from := min(a.StartingIndex, len(l.objects))
	to := len(l.objects)
	if a.RequestedCount > 0 {
		to = min(to, from+a.RequestedCount)
	}
	listing := l.head + strings.Join(l.objects[from:to], "") + "</DIDL-Lite>"
	listing = s.artListing(st, listing, r.Host)
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8" standalone="yes"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:BrowseResponse xmlns:u="urn:schemas-upnp-org:service:ContentDirectory:1"><Result>`)
	b.WriteString(escapeResult.Replace(listing))
	fmt.Fprintf(&b, `</Result><NumberReturned>%d</NumberReturned><TotalMatches>%d</TotalMatches><UpdateID>%s</UpdateID></u:BrowseResponse></s:Body></s:Envelope>`,
		to-from, len(l.objects), s.updateID())
	w.Header().Set("Content-Type", `text/xml; charset="utf-8"`)
	w.Header().Set("Ext", "")
	w.Header().Set("Server", l.server)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
	return true
}

// listWhole asks dms for all of a folder's children, nil when its answer is not a
// listing that can be kept.
func (s *Server) listWhole(st *state, r *http.Request, a browseArgs, key string) *pageList {
	changes := s.opt.Pool.Changes() // before dms lists: a change while it does is not missed
	var body bytes.Buffer
	esc := func(v string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(v))
		return b.String()
	}
	fmt.Fprintf(&body, `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:Browse xmlns:u="urn:schemas-upnp-org:service:ContentDirectory:1"><ObjectID>%s</ObjectID><BrowseFlag>BrowseDirectChildren</BrowseFlag><Filter>%s</Filter><StartingIndex>0</StartingIndex><RequestedCount>0</RequestedCount><SortCriteria>%s</SortCriteria></u:Browse></s:Body></s:Envelope>`,
		esc(a.ObjectID), esc(a.Filter), esc(a.SortCriteria))
	ctx := context.WithValue(r.Context(), clientKey{}, addr(r.RemoteAddr))
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+r.Host+"/ctl", &body)
	if err != nil {
		return nil
	}
	req.Host = r.Host
	req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
	req.Header.Set("SOAPACTION", r.Header.Get("SOAPACTION"))
	req.Header.Set("User-Agent", r.UserAgent())
	resp, err := st.dmsTransport.RoundTrip(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	start, end := bytes.Index(out, []byte("<Result>")), bytes.Index(out, []byte("</Result>"))
	if err != nil || resp.StatusCode != http.StatusOK || start < 0 || end < start {
		return nil
	}
	listing := html.UnescapeString(string(out[start+len("<Result>") : end])) // escaped by encoding/xml
	_, totalText, _ := bytes.Cut(out[end:], []byte("<TotalMatches>"))
	totalText, _, _ = bytes.Cut(totalText, []byte("<"))
	total, err := strconv.Atoi(string(totalText))
	head, objects, tail, ok := didlObjects(listing)
	if err != nil || !ok || len(objects) != total || !strings.HasPrefix(head, "<DIDL-Lite") || tail != "</DIDL-Lite>" {
		s.log.Debug("a folder's listing could not be split into its items", "id", a.ObjectID)
		return nil
	}
	if objects == nil {
		objects = []string{}
	}
	l := &pageList{key: key, changes: changes, head: head, objects: objects, server: resp.Header.Get("Server")}
	for _, o := range objects {
		l.size += len(o)
	}
	return l
}

// get returns the listing kept for key, if the pool has not changed since.
func (p *pages) get(key string, changes uint64) *pageList {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lists {
		if l.key == key && l.changes == changes {
			return l
		}
	}
	return nil
}

// keep keeps a listing made while the pool had not changed, in place of the one kept
// for its key, letting the oldest go beyond pagesMax; those made before a change go.
func (p *pages) keep(l *pageList, changes uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kept := p.lists[:0]
	total := 0
	for _, o := range p.lists {
		if o.key != l.key && o.changes == changes {
			kept = append(kept, o)
			total += o.size
		}
	}
	if l.changes == changes && l.size <= pagesMax {
		kept = append(kept, l)
		total += l.size
	}
	for total > pagesMax {
		total -= kept[0].size
		kept = kept[1:]
	}
	p.lists = kept
}
