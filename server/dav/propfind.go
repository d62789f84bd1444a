package dav

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/webhdr"
)

// PROPFIND is answered here rather than by the engine, which reads a whole folder into
// memory and queries each entry several times. A folder is read a page at a time and
// each response is written as soon as it is made, so memory does not grow with the
// folder. Depth infinity is refused, as Apache does by default.

const pageSize = 500

// propfindReq is a PROPFIND body: allprop (with include), propname, or prop.
type propfindReq struct {
	XMLName  xml.Name  `xml:"DAV: propfind"`
	Allprop  *struct{} `xml:"DAV: allprop"`
	Propname *struct{} `xml:"DAV: propname"`
	Prop     nameList  `xml:"DAV: prop"`
	Include  nameList  `xml:"DAV: include"`
}

// nameList collects the names of an element's children.
type nameList []xml.Name

func (n *nameList) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			*n = append(*n, t.Name)
			if err := d.Skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

var errBadPropfind = errors.New("the PROPFIND body asks for neither allprop, propname nor prop")

func parsePropfind(body []byte) (propfindReq, error) {
	var q propfindReq
	if len(bytes.TrimSpace(body)) == 0 {
		q.Allprop = &struct{}{} // an empty body means allprop (RFC 4918 9.1)
		return q, nil
	}
	if err := xml.Unmarshal(body, &q); err != nil {
		return q, fmt.Errorf("%w: %w", errNotXML, err)
	}
	n := 0
	for _, set := range []bool{q.Allprop != nil, q.Propname != nil, q.Prop != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return q, errBadPropfind
	}
	return q, nil
}

// finiteDepth refuses a PROPFIND of any depth but 0 or 1 (a missing Depth means
// infinity) and reports whether the request may go on.
func finiteDepth(w http.ResponseWriter, r *http.Request) bool {
	if d := r.Header.Get("Depth"); d == "0" || d == "1" {
		return true
	}
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>`+"\n")
	return false
}

func (h *Handler) propfind(w http.ResponseWriter, r *http.Request, name string) {
	if !finiteDepth(w, r) {
		return
	}
	depth := r.Header.Get("Depth")
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.bodyRefused(w, r, fmt.Errorf("read the request body: %w", err), "request")
		return
	}
	q, err := parsePropfind(body)
	if errors.Is(err, errBadPropfind) {
		http.Error(w, "This PROPFIND asks for neither allprop, propname nor prop; say which properties to list.", http.StatusBadRequest)
		return
	}
	if err != nil {
		h.bodyRefused(w, r, err, "request")
		return
	}
	ctx := r.Context()
	p := poolPath(name)
	target := pool.FileInfo{Dir: true, Name: "", ModTime: time.Unix(0, 0)}
	if p != "" {
		if target, err = h.fs.pool.Stat(ctx, p); err != nil {
			code, msg := statusFor(err)
			if code == 0 {
				code, msg = http.StatusNotFound, "No such file or folder."
			}
			http.Error(w, msg, code)
			return
		}
	}
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(207)
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<D:multistatus xmlns:D="DAV:">`)
	var dead []catalog.Prop
	if p != "" {
		dead, _ = h.fs.props.get(ctx, p)
	}
	h.writeResponse(ctx, bw, q, name, target, dead)
	if depth == "1" && target.Dir {
		if err := h.writeChildren(ctx, bw, q, name); err != nil && h.log != nil {
			// The status is sent; all that can be done is to end the document.
			h.log.Warn("PROPFIND cut short", "path", name, "err", err)
		}
	}
	bw.WriteString("</D:multistatus>\n")
	bw.Flush()
}

// writeChildren writes the responses of a folder's entries, a page at a time.
func (h *Handler) writeChildren(ctx context.Context, bw *bufio.Writer, q propfindReq, name string) error {
	p := poolPath(name)
	pr, _ := auth.PrincipalOf(ctx)
	shown := h.topFilter(ctx, pr)
	after := ""
	for {
		page, err := h.fs.pool.ListPage(ctx, p, after, pageSize)
		if err != nil || len(page) == 0 {
			return err
		}
		props, err := h.pageProps(ctx, p, page)
		if err != nil {
			return err
		}
		for _, fi := range page {
			switch {
			case p != "":
			case !shown(fi):
				continue
			case fi.Name == backupstore.Share:
				h.writeResponse(ctx, bw, q, "/"+fi.Name, backupsEntry(fi), nil)
				continue
			}
			h.writeResponse(ctx, bw, q, "/"+fi.Path, fi, props[fi.Path])
		}
		after = page[len(page)-1].Path
		if len(page) < pageSize {
			return nil
		}
	}
}

func (h *Handler) pageProps(ctx context.Context, dir string, page []pool.FileInfo) (map[string][]catalog.Prop, error) {
	var m map[string][]catalog.Prop
	err := h.fs.props.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		m, err = tx.PropsInRange(ctx, dir, page[0].Path, page[len(page)-1].Path)
		return err
	})
	return m, err
}

// liveNames are the live properties allprop and propname give, in order.
var liveNames = []string{"resourcetype", "displayname", "getcontentlength", "getlastmodified", "getcontenttype", "getetag", "supportedlock", "lockdiscovery"}

// live returns the inner XML of a live property of fi, and whether fi has it.
func (h *Handler) live(ctx context.Context, local, name string, fi pool.FileInfo) (string, bool) {
	switch local {
	case "resourcetype":
		if fi.Dir {
			return "<D:collection/>", true
		}
		return "", true
	case "displayname":
		return xmlEscape(fi.Name), true
	case "getcontentlength":
		return strconv.FormatInt(fi.Size, 10), !fi.Dir
	case "getlastmodified":
		return fi.ModTime.UTC().Format(http.TimeFormat), true
	case "getcontenttype":
		return xmlEscape(webhdr.ContentType(fi.Name)), !fi.Dir
	case "getetag":
		return xmlEscape(etagOf(fi)), true
	case "supportedlock":
		return supportedLock, true
	case "lockdiscovery":
		return activeLocks(h.locks.on(time.Now(), name)), true
	case "quota-available-bytes", "quota-used-bytes":
		if !fi.Dir || inBackups(name) { // nothing can be stored there
			return "", false
		}
		q, ok := h.fs.quota.of(ctx, poolPath(name))
		if local == "quota-used-bytes" {
			return strconv.FormatInt(q.used, 10), ok
		}
		return strconv.FormatInt(q.avail, 10), ok
	}
	return "", false
}

const supportedLock = `<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>` +
	`<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>`

// writeResponse writes one response element.
func (h *Handler) writeResponse(ctx context.Context, bw *bufio.Writer, q propfindReq, name string, fi pool.FileInfo, dead []catalog.Prop) {
	href := hrefOf(path.Join(Prefix, name))
	if fi.Dir {
		href += "/"
	}
	bw.WriteString("<D:response><D:href>" + xmlEscape(href) + "</D:href>")
	var ok, missing strings.Builder
	switch {
	case q.Propname != nil:
		for _, l := range liveNames {
			if _, has := h.live(ctx, l, name, fi); has {
				ok.WriteString("<D:" + l + "/>")
			}
		}
		for _, d := range dead {
			ok.WriteString(emptyElement(xml.Name{Space: d.Space, Local: d.Local}))
		}
	case q.Allprop != nil:
		for _, l := range liveNames {
			if v, has := h.live(ctx, l, name, fi); has {
				ok.WriteString("<D:" + l + ">" + v + "</D:" + l + ">")
			}
		}
		seen := map[xml.Name]bool{}
		for _, d := range dead {
			seen[xml.Name{Space: d.Space, Local: d.Local}] = true
			ok.WriteString(deadElement(d))
		}
		for _, n := range q.Include {
			if n.Space == "DAV:" && !seen[n] && !isAllprop(n.Local) {
				if v, has := h.live(ctx, n.Local, name, fi); has {
					ok.WriteString("<D:" + n.Local + ">" + v + "</D:" + n.Local + ">")
				}
			}
		}
	default:
		for _, n := range q.Prop {
			if d, found := findDead(dead, n); found {
				ok.WriteString(deadElement(d))
				continue
			}
			if n.Space == "DAV:" {
				if v, has := h.live(ctx, n.Local, name, fi); has {
					ok.WriteString("<D:" + n.Local + ">" + v + "</D:" + n.Local + ">")
					continue
				}
			}
			missing.WriteString(emptyElement(n))
		}
	}
	if ok.Len() > 0 || missing.Len() == 0 {
		bw.WriteString("<D:propstat><D:prop>" + ok.String() + "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>")
	}
	if missing.Len() > 0 {
		bw.WriteString("<D:propstat><D:prop>" + missing.String() + "</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>")
	}
	bw.WriteString("</D:response>\n")
}

func isAllprop(local string) bool {
	for _, l := range liveNames {
		if l == local {
			return true
		}
	}
	return false
}

func findDead(dead []catalog.Prop, n xml.Name) (catalog.Prop, bool) {
	for _, d := range dead {
		if d.Space == n.Space && d.Local == n.Local {
			return d, true
		}
	}
	return catalog.Prop{}, false
}

// deadElement writes a dead property as it was stored: its value's XML is kept as it came,
// under an element that declares its own namespace.
func deadElement(d catalog.Prop) string {
	lang := ""
	if d.Lang != "" {
		lang = ` xml:lang="` + xmlEscape(d.Lang) + `"`
	}
	if d.Space == "DAV:" {
		return "<D:" + d.Local + lang + ">" + string(d.InnerXML) + "</D:" + d.Local + ">"
	}
	return "<" + d.Local + ` xmlns="` + xmlEscape(d.Space) + `"` + lang + ">" + string(d.InnerXML) + "</" + d.Local + ">"
}

func emptyElement(n xml.Name) string {
	if n.Space == "DAV:" {
		return "<D:" + n.Local + "/>"
	}
	return "<" + n.Local + ` xmlns="` + xmlEscape(n.Space) + `"/>`
}
