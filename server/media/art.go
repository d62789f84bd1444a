package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/thumbs"
)

// escapeResult escapes a listing into a Browse answer's Result as dms does: only what
// must be. Some control points decode no more (libnet-upnp-perl knows no "&#34;").
var escapeResult = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// errNoArt is a file or folder that has no picture to show for it.
var errNoArt = errors.New("no picture to show")

// artNames are the pictures that are the art of the folder they lie in and of the music
// in it, as Windows Media Player and most rippers leave them, by preference.
var artNames = []string{"folder.jpg", "folder.jpeg", "folder.png", "cover.jpg", "cover.jpeg", "cover.png"}

// folderArt is the picture that is the art of a folder (Folder.jpg, Cover.png, in any
// case), from its listing. What a folder has is kept until the pool changes: a TV's
// listing of folders asks it of each.
func (f *poolFS) folderArt(dir string) (pool.FileInfo, bool) {
	if _, err := f.shares(); err != nil { // forgets what was kept if the pool changed
		return pool.FileInfo{}, false
	}
	f.mu.Lock()
	a, seen := f.arts[dir]
	seenAt := f.seenAt
	f.mu.Unlock()
	if seen {
		return a.fi, a.ok
	}
	ents, err := f.ReadDir(dir)
	if err != nil {
		return pool.FileInfo{}, false
	}
	best := len(artNames)
	var art pool.FileInfo
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		for i, n := range artNames[:best] {
			if strings.EqualFold(e.Name(), n) {
				if fi, err := e.Info(); err == nil {
					if in, ok := fi.(pool.Stat); ok {
						best, art = i, *in.FI
					}
				}
			}
		}
	}
	a = folderArtOf{art, best < len(artNames)}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seenAt == seenAt && f.pool.Changes() == seenAt { // not kept across a change
		if f.arts == nil || len(f.arts) >= artsMax {
			f.arts = map[string]folderArtOf{}
		}
		f.arts[dir] = a
	}
	return a.fi, a.ok
}

// folderArtOf is what folderArt found for a folder.
type folderArtOf struct {
	fi pool.FileInfo
	ok bool
}

// artsMax bounds the folders whose art is kept.
const artsMax = 10000

// audio reports whether a file's name is that of music.
func audio(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".mp3", ".flac", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".wma", ".aif", ".aiff", ".alac", ".ape", ".mka":
		return true
	}
	return false
}

// art is the thumbnail shown for a file or folder: a picture's own, a video's frame, for
// a folder and the music in it the folder's art, and for music in a folder without the
// art embedded in it.
func (s *Server) art(ctx context.Context, fsys *poolFS, fi pool.FileInfo) ([]byte, error) {
	switch {
	case fi.Dir || audio(fi.Name):
		dir := fi.Path
		if !fi.Dir {
			dir = path.Dir(fi.Path)
		}
		if a, ok := fsys.folderArt(dir); ok {
			return s.opt.Thumbs.Get(ctx, a)
		}
		if !fi.Dir && thumbs.Tagged(fi.Name) {
			return s.opt.Thumbs.Embedded(ctx, fi)
		}
		return nil, fmt.Errorf("%s: %w", fi.Path, errNoArt)
	case thumbs.Able(fi.Name):
		return s.opt.Thumbs.Get(ctx, fi)
	case thumbs.Video(fi.Name):
		return s.opt.Thumbs.VideoFrame(ctx, fi)
	}
	return nil, fmt.Errorf("%s: %w", fi.Path, errNoArt)
}

// icon serves the thumbnail of a file or folder (art), made from the pool's copy and
// cached by server/thumbs: never dms's own, which reads the machine's folders.
func (s *Server) icon(fsys *poolFS, w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(path.Clean("/"+r.URL.Query().Get("path")), "/")
	st, err := fsys.Stat(p)
	i, ok := st.(pool.Stat)
	if err != nil || !ok || s.opt.Thumbs == nil {
		http.NotFound(w, r)
		return
	}
	data, err := s.art(r.Context(), fsys, *i.FI)
	if err != nil {
		s.log.Debug("no thumbnail", "path", p, "err", err)
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	http.ServeContent(w, r, "", i.FI.ModTime, bytes.NewReader(data))
}

var (
	didlClass = regexp.MustCompile(`<upnp:class>([^<]*)</upnp:class>`)
	didlIcons = regexp.MustCompile(`<upnp:icon>[^<]*</upnp:icon>|<upnp:albumArtURI>[^<]*</upnp:albumArtURI>|<res protocolInfo="http-get:\*:image/jpeg:DLNA.ORG_PN=JPEG_TN">[^<]*</res>`)
)

// withArt puts into a Browse answer's listing (DIDL-Lite, escaped in its Result) the art
// of folders and of music (an albumArtURI, and a JPEG_TN resource for music), and takes
// out the thumbnails dms names that there are none of (music without art, videos when
// ffmpegthumbnailer is not installed): a TV asks for each, and some show an error.
// Music's embedded art is named until the first look finds none.
func (s *Server) withArt(body []byte, host string) []byte {
	st := s.state.Load()
	start, end := bytes.Index(body, []byte("<Result>")), bytes.Index(body, []byte("</Result>"))
	if st == nil || s.opt.Thumbs == nil || start < 0 || end < start {
		return body
	}
	listing := html.UnescapeString(string(body[start+len("<Result>") : end])) // escaped by encoding/xml
	var esc bytes.Buffer
	esc.Write(body[:start+len("<Result>")])
	esc.WriteString(escapeResult.Replace(s.artListing(st, listing, host)))
	esc.Write(body[end:])
	return esc.Bytes()
}

// artListing is withArt on a listing itself.
func (s *Server) artListing(st *state, listing, host string) string {
	if s.opt.Thumbs == nil {
		return listing
	}
	videos := thumbs.Videos()
	arts := map[string]bool{} // folders' art, looked up once a folder per answer
	hasArt := func(dir string) bool {
		has, seen := arts[dir]
		if !seen {
			_, has = st.fs.folderArt(dir)
			arts[dir] = has
		}
		return has
	}
	// Music's embedded art is named until it is known to be missing: it is looked at
	// when a TV first asks for it, not for each listing.
	mayEmbed := func(p string) bool {
		if !thumbs.Tagged(p) {
			return false
		}
		fi, err := st.fs.Stat(p)
		i, ok := fi.(pool.Stat)
		if err != nil || !ok {
			return false
		}
		has, known := s.opt.Thumbs.EmbeddedKnown(*i.FI)
		return has || !known
	}
	iconURL := func(p string, tn bool) string {
		q := url.Values{"path": {p}}
		if tn {
			q.Set("c", "jpeg")
		}
		return html.EscapeString((&url.URL{Scheme: "http", Host: host, Path: "/icon", RawQuery: q.Encode()}).String())
	}
	rewrite := func(obj string) string {
		p, ok := objectID(obj)
		if !ok {
			return obj
		}
		if strings.HasPrefix(obj, "<container ") {
			if !hasArt(p) {
				return obj
			}
			return strings.TrimSuffix(obj, "</container>") +
				`<upnp:albumArtURI dlna:profileID="JPEG_TN">` + iconURL(p, false) + `</upnp:albumArtURI></container>`
		}
		class := ""
		if c := didlClass.FindStringSubmatch(obj); c != nil {
			class = c[1]
		}
		switch {
		case strings.HasPrefix(class, "object.item.imageItem"):
			return obj
		case strings.HasPrefix(class, "object.item.videoItem") && videos:
			return obj
		case strings.HasPrefix(class, "object.item.audioItem") && (hasArt(path.Dir(p)) || mayEmbed(p)):
			return strings.TrimSuffix(obj, "</item>") +
				`<res protocolInfo="http-get:*:image/jpeg:DLNA.ORG_PN=JPEG_TN">` + iconURL(p, true) + `</res></item>`
		}
		return didlIcons.ReplaceAllString(obj, "")
	}
	head, objs, tail, ok := didlObjects(listing)
	if !ok {
		return listing
	}
	var out strings.Builder
	out.WriteString(head)
	for _, obj := range objs {
		out.WriteString(rewrite(obj))
	}
	out.WriteString(tail)
	return out.String()
}

// didlObjects splits a DIDL-Lite listing as dms writes it into what comes before its
// first item or folder, each of them, and what follows the last (items do not nest, and
// their text is escaped, so no '<' starts anything else).
func didlObjects(l string) (head string, objs []string, tail string, ok bool) {
	i := 0
scan:
	for {
		at := strings.IndexByte(l[i:], '<')
		if at < 0 {
			break
		}
		at += i
		var end string
		switch {
		case strings.HasPrefix(l[at:], "<item "):
			end = "</item>"
		case strings.HasPrefix(l[at:], "<container "):
			end = "</container>"
		case objs != nil: // past the last object
			break scan
		default:
			i = at + 1
			continue
		}
		if objs == nil {
			head, objs = l[:at], []string{}
		}
		n := strings.Index(l[at:], end)
		if n < 0 {
			return "", nil, "", false
		}
		objs = append(objs, l[at:at+n+len(end)])
		i = at + n + len(end)
	}
	if objs == nil {
		return l, nil, "", true
	}
	return head, objs, l[i:], true
}

// objectID is an item's or folder's id, the path of its file or folder.
func objectID(obj string) (string, bool) {
	_, rest, ok := strings.Cut(obj, ` id="`)
	id, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		return "", false
	}
	p, err := url.QueryUnescape(html.UnescapeString(id))
	return p, err == nil && fs.ValidPath(p) && p != "."
}
