package console

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/hearth-home/hearth/server/webhdr"
)

// The Files pages: the shares a person may read, as folders in the browser. Reading
// needs read access to the share, every change full access; the pool checks nothing of
// people, so every handler here asks first (access).

func (c *Console) fileRoutes() {
	c.mux.HandleFunc("GET /files", c.fileShares)
	c.mux.HandleFunc("GET /files/{share}/{rest...}", c.files)
	c.mux.HandleFunc("POST /zip", c.zipSelection)
	c.mux.HandleFunc("GET /zip", c.zipSelection) // a whole folder, by a link
	c.mux.HandleFunc("POST /files/op/{op}", c.fileOp)
	c.mux.HandleFunc("GET /versions/{share}/{rest...}", c.versions)
	c.mux.HandleFunc("POST /versions/{share}/{rest...}", c.restoreVersion)
	c.mux.HandleFunc("GET /deleted/{share}", c.deleted)
	c.mux.HandleFunc("GET /thumb/{share}/{rest...}", c.thumb)
	c.mux.HandleFunc("GET /view/{share}/{rest...}", c.view)
	c.mux.HandleFunc("GET /slideshow/{share}/{rest...}", c.slideshow)
	c.mux.HandleFunc("GET /search", c.search)
}

// pageSize is how many entries a folder's page shows: a folder of 50,000 is 100 pages,
// each quick to make and to draw.
const pageSize = 500

// fileAccess returns the pool path named by a share and a path under it, if pr may use it
// at the level need; otherwise it answers and returns false.
func (c *Console) fileAccess(w http.ResponseWriter, r *http.Request, share, rest string, need auth.Level) (string, bool) {
	pr, _ := auth.PrincipalOf(r.Context())
	p := share
	if rest != "" {
		p += "/" + rest
	}
	// Never tidied: a ".." is refused, not followed (it could lead to another share).
	p, err := safepath.Clean(p)
	if s, _ := safepath.Split(p); err != nil || s != share || share == backupstore.Share || pr.Level(share) < need {
		if pr.Level(share) >= auth.Read && need == auth.Full && err == nil {
			c.sorry(w, r, http.StatusForbidden, "You may open the files in "+share+", but not change them. Ask an administrator if you need to.")
			return "", false
		}
		c.sorry(w, r, http.StatusNotFound, "There is no such folder or file that you may open. Go to Files to see your shared folders.")
		return "", false
	}
	return p, true
}

type fileSharesData struct {
	Shares []pool.ShareInfo
	Levels map[string]string
}

// fileShares lists the shares the person may read.
func (c *Console) fileShares(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	all, err := c.opt.Pool.Shares(r.Context())
	if err != nil {
		c.unreadable(w, r, "its shared folders", err)
		return
	}
	d := fileSharesData{Levels: map[string]string{}}
	for _, s := range all {
		if l := pr.Level(s.Name); s.Name != backupstore.Share && l >= auth.Read {
			d.Shares = append(d.Shares, s)
			d.Levels[s.Name] = l.String()
		}
	}
	c.render(w, r, "fileshares", "Files", d)
}

type folderData struct {
	Share, Path string // the folder: its share, and where in it ("" at the top)
	Crumbs      []crumb
	Entries     []fileEntry
	Total       int
	Page, Pages int
	Sort, View  string
	Desc        bool
	MayChange   bool
	Prev, Next  string // other pages' addresses
	Slideshow   string // the folder's slideshow, when this page shows a picture
}

type fileEntry struct {
	Name, URL, Path string
	Dir             bool
	Size            int64
	ModTime         string
	Image           bool   // a picture: the grid shows its thumbnail
	Media           string // "image", "audio" or "video": it opens in a page of its own
}

// files shows a folder, or sends a file (ranges, so video seeks).
func (c *Console) files(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Read)
	if !ok {
		return
	}
	fi, err := c.opt.Pool.Stat(r.Context(), p)
	switch {
	case errors.Is(err, pool.ErrNotFound):
		c.sorry(w, r, http.StatusNotFound, "That is not there any more. Go back to its folder to see what there is.")
		return
	case err != nil:
		c.unreadable(w, r, "this folder", err)
		return
	case !fi.Dir:
		c.sendFile(w, r, p)
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	q := r.URL.Query()
	d := folderData{Share: share, Path: rest, Sort: q.Get("sort"), View: cmp.Or(q.Get("view"), "list"),
		Desc: q.Get("desc") == "1", MayChange: pr.Level(share) >= auth.Full}
	if d.Sort != pool.BySize && d.Sort != pool.ByDate {
		d.Sort = pool.ByName
	}
	d.Page, _ = strconv.Atoi(q.Get("page"))
	d.Page = max(d.Page, 1)
	list, total, err := c.opt.Pool.ListSorted(r.Context(), p, pool.Order{Key: d.Sort, Desc: d.Desc}, (d.Page-1)*pageSize, pageSize)
	if err == nil && len(list) == 0 && total > 0 {
		// A page past the end (the folder shrank since): show the last one.
		d.Page = (total + pageSize - 1) / pageSize
		list, total, err = c.opt.Pool.ListSorted(r.Context(), p, pool.Order{Key: d.Sort, Desc: d.Desc}, (d.Page-1)*pageSize, pageSize)
	}
	if err != nil {
		c.unreadable(w, r, "this folder", err)
		return
	}
	d.Total = total
	d.Pages = max(1, (total+pageSize-1)/pageSize)
	base := "/files/" + escapePath(strings.Split(p, "/")...)
	for _, fi := range list {
		u := base + "/" + url.PathEscape(fi.Name)
		if fi.Dir {
			u += "/"
		}
		e := fileEntry{Name: fi.Name, URL: u, Path: fi.Path, Dir: fi.Dir, Size: fi.Size, ModTime: c.when(fi.ModTime),
			Image: !fi.Dir && thumbable(fi.Name)}
		if !fi.Dir {
			if e.Media = mediaKind(fi.Name); e.Media != "" {
				e.URL = "/view/" + escapePath(strings.Split(fi.Path, "/")...)
			}
		}
		d.Entries = append(d.Entries, e)
		if e.Media == "image" && d.Slideshow == "" {
			d.Slideshow = slideshowURL(p, "")
		}
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		d.Crumbs = append(d.Crumbs, crumb{Name: parts[i], URL: "/files/" + escapePath(parts[:i+1]...) + "/"})
	}
	page := func(n int) string {
		v := url.Values{"page": {strconv.Itoa(n)}, "sort": {d.Sort}, "view": {d.View}}
		if d.Desc {
			v.Set("desc", "1")
		}
		return "?" + v.Encode()
	}
	if d.Page > 1 {
		d.Prev = page(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.Next = page(d.Page + 1)
	}
	c.render(w, r, "folder", path.Base(p), d)
}

// sendFile sends a file of a share under the sandbox headers every user's file gets;
// ?download makes it a download whatever its type.
func (c *Console) sendFile(w http.ResponseWriter, r *http.Request, p string) {
	f, err := c.opt.Pool.Open(r.Context(), p)
	if err != nil {
		c.unreadable(w, r, "this file", err)
		return
	}
	defer f.Close()
	webhdr.Set(w.Header(), p)
	if r.URL.Query().Has("download") {
		w.Header().Set("Content-Disposition", webhdr.Attachment(path.Base(p)))
	}
	info := f.Info()
	w.Header().Set("ETag", `"`+info.Hash+`"`)
	http.ServeContent(w, r, "", info.ModTime, f)
}

// mediaKind says whether a file is a picture, a sound or a video the browser plays
// (by the type its name gives it: webhdr's, which opens only those in the browser).
func mediaKind(name string) string {
	pol := webhdr.For(name)
	if !pol.Inline {
		return ""
	}
	for _, k := range []string{"image", "audio", "video"} {
		if strings.HasPrefix(pol.ContentType, k+"/") {
			return k
		}
	}
	return ""
}

type viewData struct {
	Name, Src, Download, Folder, Kind, Versions string
	Prev, Next                                  string // the folder's pictures either side, for a slideshow by keyboard or link
	Slideshow                                   string // the folder's slideshow from this picture
}

// view shows a picture, or plays a sound or a video, in a page: with seeking (the file
// is sent with ranges) and, for pictures, the previous and next of the folder.
func (c *Console) view(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Read)
	if !ok {
		return
	}
	kind := mediaKind(p)
	if fi, err := c.opt.Pool.Stat(r.Context(), p); err != nil || fi.Dir || kind == "" {
		c.sorry(w, r, http.StatusNotFound, "There is nothing to show there. Go back to its folder.")
		return
	}
	raw := "/files/" + escapePath(strings.Split(p, "/")...)
	parent := safepath.Parent(p)
	d := viewData{Name: path.Base(p), Src: raw, Download: raw + "?download", Kind: kind,
		Folder: "/files/" + escapePath(strings.Split(parent, "/")...) + "/", Versions: "/versions/" + escapePath(strings.Split(p, "/")...)}
	if kind == "image" {
		d.Slideshow = slideshowURL(parent, d.Name)
		prev, next, err := c.opt.Pool.Beside(r.Context(), p, webhdr.Extensions("image/"))
		if err != nil {
			c.opt.Log.Warn("could not find the pictures beside one", "file", p, "err", err)
		}
		if prev != "" {
			d.Prev = "/view/" + escapePath(strings.Split(prev, "/")...)
		}
		if next != "" {
			d.Next = "/view/" + escapePath(strings.Split(next, "/")...)
		}
	}
	// The page plays the file from this server: media may come from 'self' only.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.render(w, r, "view", d.Name, d)
}
