package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/links"
)

// The Sharing links page: each family member's links (an administrator's shows
// everyone's), each with a Revoke button, and a form to make one. The Files pages offer
// the same for the file or folder at hand.
func (c *Console) linkRoutes() {
	if c.opt.Links == nil {
		return
	}
	c.mux.HandleFunc("GET /links", c.links)
	c.mux.HandleFunc("POST /links", c.addLink)
	c.mux.HandleFunc("POST /links/{id}/revoke", c.revokeLink)
}

type linksData struct {
	Links []links.Link
	// New is the address of the link just made: shown on this answer alone, since the
	// server keeps only a digest of its token.
	New string
	// Path fills the form's folder, for a link asked for from a folder's page.
	Path string
}

func (c *Console) links(w http.ResponseWriter, r *http.Request) {
	c.showLinks(w, r, http.StatusOK, "")
}

func (c *Console) showLinks(w http.ResponseWriter, r *http.Request, status int, made string) {
	pr, _ := auth.PrincipalOf(r.Context())
	ls, err := c.opt.Links.List(r.Context(), pr)
	if err != nil {
		c.unreadable(w, r, "the sharing links", err)
		return
	}
	w.WriteHeader(status)
	c.render(&keepStatus{w}, r, "links", "Sharing links", linksData{Links: ls, New: made, Path: r.URL.Query().Get("path")})
}

// addLink makes a link and shows its address once, on the page answering the form.
func (c *Console) addLink(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	n := links.NewLink{Path: strings.Trim(strings.TrimSpace(r.PostFormValue("path")), "/"), Kind: r.PostFormValue("kind"),
		Password: r.PostFormValue("password")}
	if d := r.PostFormValue("expires"); d != "" {
		day, err := time.ParseInLocation("2006-01-02", d, c.zone.Load())
		if err != nil {
			setFlash(w, true, "Give the expiry as a date, or leave it empty for a link that does not expire.")
			http.Redirect(w, r, "/links", http.StatusSeeOther)
			return
		}
		n.Expires = day.AddDate(0, 0, 1) // through the day chosen
	}
	_, token, err := c.opt.Links.Create(r.Context(), pr, n)
	if err != nil {
		c.done(w, r, "/links", err, "")
		return
	}
	c.showLinks(w, r, http.StatusCreated, "https://"+r.Host+links.Prefix+token+"/")
}

func (c *Console) revokeLink(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	err := c.opt.Links.Revoke(r.Context(), pr, r.PathValue("id"))
	c.done(w, r, "/links", err, "The link was taken back: it no longer works.")
}
