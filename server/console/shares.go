package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
)

type adminAccess = admin.AccessEntry

func (c *Console) shareRoutes() {
	c.mux.HandleFunc("GET /shares", c.adminOnly(c.shares))
	c.mux.HandleFunc("POST /shares", c.adminOnly(c.addShare))
	c.mux.HandleFunc("POST /access", c.adminOnly(c.setAccess))
	c.mux.HandleFunc("GET /shares/{name}", c.adminOnly(c.share))
	c.mux.HandleFunc("POST /shares/{name}", c.adminOnly(c.setShare))
	c.mux.HandleFunc("POST /shares/{name}/remove", c.adminOnly(c.removeShare))
	c.mux.HandleFunc("POST /shares/removed/{name}/restore", c.adminOnly(c.restoreShare))
	c.mux.HandleFunc("POST /shares/removed/{name}/purge", c.adminOnly(c.purgeShare))
}

// removeShare takes a shared folder away from everyone, its files kept (with their
// copies) for 30 days, when it can be brought back whole.
func (c *Console) removeShare(w http.ResponseWriter, r *http.Request) {
	s, ok := c.findShare(w, r)
	if !ok {
		return
	}
	err := c.opt.Service.RemoveShare(r.Context(), s.Name)
	c.done(w, r, "/shares", err, s.Name+" was removed: no one can open it now. Its files are kept for 30 days; bring it back from Removed shared folders below.")
}

func (c *Console) restoreShare(w http.ResponseWriter, r *http.Request) {
	s, err := c.opt.Service.RestoreShare(r.Context(), r.PathValue("name"))
	c.done(w, r, "/shares", err, s.Name+" is back, with its files and who could open it.")
}

func (c *Console) purgeShare(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	err := c.opt.Service.PurgeShare(r.Context(), name)
	c.done(w, r, "/shares", err, name+" and its files were deleted for good.")
}

func (c *Console) access(r *http.Request) ([]adminAccess, error) {
	return c.opt.Service.Access(r.Context())
}

type sharesData struct {
	Shares []pool.ShareInfo
	Users  []string
	// Matrix has a row per share and a level per user, in Users' order.
	Matrix  []matrixRow
	Drives  int
	Removed []pool.RemovedShare
}

type matrixRow struct {
	Share  string
	Levels []matrixCell
}

type matrixCell struct{ User, Level string }

// userShares are the shares people use: not the PCs' backups.
func (c *Console) userShares(r *http.Request) ([]pool.ShareInfo, error) {
	shares, err := c.opt.Service.Shares(r.Context())
	return slices.DeleteFunc(shares, func(s pool.ShareInfo) bool { return s.Name == backupstore.Share }), err
}

func (c *Console) shares(w http.ResponseWriter, r *http.Request) {
	shares, err := c.userShares(r)
	var access []adminAccess
	var drives []pool.DriveInfo
	if err == nil {
		access, err = c.access(r)
	}
	if err == nil {
		drives, err = c.opt.Service.Drives(r.Context())
	}
	if err != nil {
		c.unreadable(w, r, "its shared folders", err)
		return
	}
	d := sharesData{Shares: shares, Drives: len(drives)}
	if d.Removed, err = c.opt.Service.RemovedShares(r.Context()); err != nil {
		c.opt.Log.Warn("listing the removed shares failed", "err", err)
	}
	for _, a := range access {
		if !slices.Contains(d.Users, a.User) {
			d.Users = append(d.Users, a.User)
		}
	}
	slices.SortFunc(d.Users, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	for _, s := range shares {
		row := matrixRow{Share: s.Name}
		for _, u := range d.Users {
			lv := "none"
			if i := slices.IndexFunc(access, func(a adminAccess) bool { return a.Share == s.Name && a.User == u }); i >= 0 {
				lv = access[i].Level
			}
			row.Levels = append(row.Levels, matrixCell{User: u, Level: lv})
		}
		d.Matrix = append(d.Matrix, row)
	}
	c.render(w, r, "shares", "Shared folders", d)
}

// copiesOf reads the duplication choice of a form: "on" keeps two copies.
func copiesOf(r *http.Request) int {
	if r.PostFormValue("duplicate") == "on" {
		return 2
	}
	return 1
}

func (c *Console) addShare(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	s, err := c.opt.Service.CreateShare(r.Context(), name, copiesOf(r), strings.TrimSpace(r.PostFormValue("description")))
	if err != nil {
		c.done(w, r, "/shares", err, "")
		return
	}
	c.done(w, r, "/shares", nil, s.Name+" is ready. Administrators may use it; give the family access below.")
}

// setAccess saves the whole matrix: one select per share and user, named "a/<share>/<user>".
func (c *Console) setAccess(w http.ResponseWriter, r *http.Request) {
	access, err := c.access(r)
	if err != nil {
		c.done(w, r, "/shares", err, "")
		return
	}
	r.ParseForm()
	changed := 0
	for _, a := range access {
		want := r.PostForm.Get("a/" + a.Share + "/" + a.User)
		if want == "" || want == a.Level {
			continue
		}
		if err := c.opt.Service.SetAccess(r.Context(), a.Share, a.User, want); err != nil {
			c.done(w, r, "/shares", err, "")
			return
		}
		changed++
	}
	msg := "Nothing changed."
	if changed > 0 {
		msg = "Saved: " + plural(changed, "change", "changes") + ". They hold from the next thing each person opens."
	}
	c.done(w, r, "/shares", nil, msg)
}

type shareData struct {
	pool.ShareInfo
	Drives int
}

func (c *Console) findShare(w http.ResponseWriter, r *http.Request) (pool.ShareInfo, bool) {
	shares, err := c.userShares(r)
	if err != nil {
		c.unreadable(w, r, "its shared folders", err)
		return pool.ShareInfo{}, false
	}
	i := slices.IndexFunc(shares, func(s pool.ShareInfo) bool { return s.Name == r.PathValue("name") })
	if i < 0 {
		c.sorry(w, r, http.StatusNotFound, "There is no such shared folder. Go to Shared folders to see those there are.")
		return pool.ShareInfo{}, false
	}
	return shares[i], true
}

func (c *Console) share(w http.ResponseWriter, r *http.Request) {
	s, ok := c.findShare(w, r)
	if !ok {
		return
	}
	drives, _ := c.opt.Service.Drives(r.Context())
	c.render(w, r, "share", s.Name, shareData{ShareInfo: s, Drives: len(drives)})
}

func (c *Console) setShare(w http.ResponseWriter, r *http.Request) {
	s, ok := c.findShare(w, r)
	if !ok {
		return
	}
	desc := strings.TrimSpace(r.PostFormValue("description"))
	copies := copiesOf(r)
	media := r.PostFormValue("media") == "on"
	_, err := c.opt.Service.SetShare(r.Context(), s.Name, pool.ShareSettings{Copies: &copies, Description: &desc, Media: &media})
	msg := "Saved."
	if copies == 2 && s.Wanted < 2 {
		msg = "Saved. The server makes the second copies in the background; Storage shows how far it is."
	}
	c.done(w, r, "/shares/"+url.PathEscape(s.Name), err, msg)
}
