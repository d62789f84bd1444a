package media

import (
	"bytes"
	"context"
	"encoding/xml"
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

// errNoArt is a file or folder that has no picture to show for it.
var errNoArt = errors.New("no picture to show")

// artNames are the pictures that are the art of the folder they lie in and of the music
// in it, as Windows Media Player and most rippers leave them, by preference.
var artNames = []string{"folder.jpg", "folder.jpeg", "folder.png", "cover.jpg", "cover.jpeg", "cover.png"}

// folderArt is the picture that is the art of a folder (Folder.jpg, Cover.png, in any
// case), from its listing.
func folderArt(fsys *poolFS, dir string) (pool.FileInfo, bool) {
	ents, err := fsys.ReadDir(dir)
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
					if in, ok := fi.(info); ok {
						best, art = i, in.fi
					}
				}
			}
		}
	}
	return art, best < len(artNames)
}

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
		if a, ok := folderArt(fsys, dir); ok {
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
	i, ok := st.(info)
	if err != nil || !ok || s.opt.Thumbs == nil {
		http.NotFound(w, r)
		return
	}
	data, err := s.art(r.Context(), fsys, i.fi)
	if err != nil {
		s.log.Debug("no thumbnail", "path", p, "err", err)
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	http.ServeContent(w, r, "", i.fi.ModTime, bytes.NewReader(data))
}

var (
	didlObject = regexp.MustCompile(`<(item|container) id="([^"]*)"[^>]*>.*?</(?:item|container)>`)
	didlClass  = regexp.MustCompile(`<upnp:class>([^<]*)</upnp:class>`)
	didlIcons  = regexp.MustCompile(`<upnp:icon>[^<]*</upnp:icon>|<upnp:albumArtURI>[^<]*</upnp:albumArtURI>|<res protocolInfo="http-get:\*:image/jpeg:DLNA.ORG_PN=JPEG_TN">[^<]*</res>`)
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
	var listing string
	if err := xml.Unmarshal(body[start:end+len("</Result>")], &listing); err != nil {
		return body
	}
	var esc bytes.Buffer
	esc.Write(body[:start+len("<Result>")])
	xml.EscapeText(&esc, []byte(s.artListing(st, listing, host)))
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
			_, has = folderArt(st.fs, dir)
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
		i, ok := fi.(info)
		if err != nil || !ok {
			return false
		}
		has, known := s.opt.Thumbs.EmbeddedKnown(i.fi)
		return has || !known
	}
	iconURL := func(p string, tn bool) string {
		q := url.Values{"path": {p}}
		if tn {
			q.Set("c", "jpeg")
		}
		return html.EscapeString((&url.URL{Scheme: "http", Host: host, Path: "/icon", RawQuery: q.Encode()}).String())
	}
	return didlObject.ReplaceAllStringFunc(listing, func(obj string) string {
		m := didlObject.FindStringSubmatch(obj)
		p, err := url.QueryUnescape(html.UnescapeString(m[2]))
		if err != nil || !fs.ValidPath(p) || p == "." {
			return obj
		}
		if m[1] == "container" {
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
	})
}
