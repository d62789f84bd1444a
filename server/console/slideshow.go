package console

import (
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
)

// The slideshow: a folder's pictures one after another in the whole window, by itself
// every few seconds (static/slideshow.js; the page itself is a plain list of the
// pictures, which still works without the script). Only what the browser shows safely
// is in it: mediaKind's pictures, webhdr's inline image types.

// maxSlides bounds the pictures one slideshow page names, so a folder of 50,000 makes
// a page of a few hundred kilobytes, not megabytes.
const maxSlides = 5000

// slideEvery is the seconds each picture stays unless ?every= says otherwise (2 to 60).
const slideEvery = 5

type slide struct{ Name, Src, View string }

type slideshowData struct {
	Name, Folder string
	Slides       []slide
	Start, Every int
	More         bool // the folder holds more pictures than the page names
}

// slideshowURL is the slideshow of the folder dir (a pool path), from the picture
// named from ("" for the first).
func slideshowURL(dir, from string) string {
	u := "/slideshow/" + escapePath(strings.Split(dir, "/")...) + "/"
	if from != "" {
		u += "?from=" + url.QueryEscape(from)
	}
	return u
}

// slideshow shows a folder's pictures in name order from ?from=, every ?every= seconds.
func (c *Console) slideshow(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Read)
	if !ok {
		return
	}
	d := slideshowData{Name: path.Base(p), Folder: "/files/" + escapePath(strings.Split(p, "/")...) + "/", Every: slideEvery}
	if n, err := strconv.Atoi(r.URL.Query().Get("every")); err == nil {
		d.Every = min(max(n, 2), 60)
	}
	from := r.URL.Query().Get("from")
	// Read a page at a time, in the folder page's order by name: a long folder never
	// sits whole in memory.
	for offset := 0; ; offset += 1000 {
		page, total, err := c.opt.Pool.ListSorted(r.Context(), p, pool.Order{Key: pool.ByName}, offset, 1000)
		if err != nil {
			c.unreadable(w, r, "this folder", err)
			return
		}
		for _, fi := range page {
			if fi.Dir || mediaKind(fi.Name) != "image" {
				continue
			}
			if len(d.Slides) == maxSlides {
				d.More = true
				break
			}
			if fi.Name == from {
				d.Start = len(d.Slides)
			}
			parts := strings.Split(fi.Path, "/")
			d.Slides = append(d.Slides, slide{Name: fi.Name, Src: "/files/" + escapePath(parts...), View: "/view/" + escapePath(parts...)})
		}
		if len(page) == 0 || offset+len(page) >= total || d.More {
			break
		}
	}
	if len(d.Slides) == 0 {
		c.sorry(w, r, http.StatusNotFound, "There are no pictures in this folder to show. Go back to the folder.")
		return
	}
	c.render(w, r, "slideshow", "Slideshow of "+d.Name, d)
}
