package api

import (
	"net/http"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/links"
)

func linkJSON(l links.Link) schema.Link {
	out := schema.Link{ID: l.ID, Owner: l.Owner, Path: l.Path, Kind: l.Kind, Password: l.Password, Created: l.Created,
		MaxFiles: l.MaxFiles, MaxBytes: l.MaxBytes, Files: l.Files, Bytes: l.Bytes}
	if !l.Expires.IsZero() {
		out.Expires = &l.Expires
	}
	return out
}

// addLink makes a sharing link; its address (with the token) is in this answer alone.
func (h *handler) addLink(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	var req schema.NewLink
	if !decode(w, r, &req, `{"path": "Photos/Holiday", "kind": "read"}`) {
		return
	}
	n := links.NewLink{Path: req.Path, Kind: req.Kind, Password: req.Password, MaxFiles: req.MaxFiles, MaxBytes: req.MaxBytes}
	if req.Expires != nil {
		n.Expires = *req.Expires
	}
	l, token, err := h.Links.Create(r.Context(), pr, n)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := linkJSON(l)
	out.URL = "https://" + r.Host + links.Prefix + token + "/"
	reply(w, http.StatusCreated, out)
}

// links lists the caller's links; an administrator's, everyone's.
func (h *handler) links(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	ls, err := h.Links.List(r.Context(), pr)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]schema.Link, len(ls))
	for i, l := range ls {
		out[i] = linkJSON(l)
	}
	reply(w, http.StatusOK, out)
}

// removeLink revokes a link: it stops working at once.
func (h *handler) removeLink(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	if err := h.Links.Revoke(r.Context(), pr, r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
