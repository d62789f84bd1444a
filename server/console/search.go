package console

import (
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

type searchData struct {
	Query   string
	Results []fileEntry
	More    bool
	Asked   bool
}

// searchLimit is how many names a search shows.
const searchLimit = 200

// search finds files and folders by a part of their names, in the shares the person may
// read (never another's: the pool is asked only about those).
func (c *Console) search(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	d := searchData{Query: strings.TrimSpace(r.FormValue("q"))}
	if d.Query == "" {
		c.render(w, r, "search", "Search", d)
		return
	}
	d.Asked = true
	shares, err := c.opt.Pool.Shares(r.Context())
	if err != nil {
		c.unreadable(w, r, "its shared folders", err)
		return
	}
	var readable []string
	for _, s := range shares {
		if s.Name != backupstore.Share && pr.Level(s.Name) >= auth.Read {
			readable = append(readable, s.Name)
		}
	}
	found, err := c.opt.Pool.Find(r.Context(), d.Query, readable, searchLimit+1)
	if err != nil {
		c.unreadable(w, r, "its index", err)
		return
	}
	if d.More = len(found) > searchLimit; d.More {
		found = found[:searchLimit]
	}
	for _, fi := range found {
		u := "/files/" + escapePath(strings.Split(fi.Path, "/")...)
		if fi.Dir {
			u += "/"
		} else if mediaKind(fi.Name) != "" {
			u = "/view/" + escapePath(strings.Split(fi.Path, "/")...)
		}
		_, in := safepath.Split(safepath.Parent(fi.Path))
		share, _ := safepath.Split(fi.Path)
		where := share
		if in != "" {
			where += " › " + strings.ReplaceAll(in, "/", " › ")
		}
		d.Results = append(d.Results, fileEntry{Name: fi.Name, URL: u, Path: where, Dir: fi.Dir, Size: fi.Size, ModTime: c.when(fi.ModTime)})
	}
	c.render(w, r, "search", "Search", d)
}
