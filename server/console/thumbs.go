package console

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/thumbs"
	"github.com/hearth-home/hearth/server/webhdr"
)

// thumbable: the grid view shows a thumbnail of the file (server/thumbs makes them).
func thumbable(name string) bool { return thumbs.Able(name) }

// thumb sends a picture's thumbnail, making it first when it is not cached.
func (c *Console) thumb(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Read)
	if !ok {
		return
	}
	fi, err := c.opt.Pool.Stat(r.Context(), p)
	if err != nil || fi.Dir || !thumbable(p) || c.thumbs == nil {
		http.NotFound(w, r)
		return
	}
	data, err := c.thumbs.Get(r.Context(), fi)
	if err != nil {
		c.opt.Log.Debug("no thumbnail", "path", p, "err", err)
		http.NotFound(w, r) // the page shows the file's name instead
		return
	}
	webhdr.Set(w.Header(), "thumb.jpg")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(w, r, "", fi.ModTime, bytes.NewReader(data))
}
