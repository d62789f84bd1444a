package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
)

// The administrators' calls on users, shares and access.

func userOf(u auth.User) schema.User {
	return schema.User{Name: u.Name, Admin: u.Admin, Created: u.Created}
}

func (h *handler) users(w http.ResponseWriter, r *http.Request) {
	us, err := h.Admin.Users(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]schema.User, len(us))
	for i, u := range us {
		out[i] = userOf(u)
	}
	reply(w, http.StatusOK, out)
}

// addUser makes a user with a shared folder of their own, as 'hearthd user add' does.
func (h *handler) addUser(w http.ResponseWriter, r *http.Request) {
	var req schema.NewUser
	if !decode(w, r, &req, `{"name": "ann", "password": "…", "admin": false}`) {
		return
	}
	u, err := h.Admin.AddUser(r.Context(), req.Name, req.Password, req.Admin)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, userOf(u))
}

// removeUser removes a user, their devices and their access. Their own share and its
// files stay (removing files is never one click); the answer says so.
func (h *handler) removeUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if pr, _ := auth.PrincipalOf(r.Context()); strings.EqualFold(pr.Name, name) {
		problem.Reply(w, http.StatusConflict, "self", "You cannot remove yourself; another administrator can.")
		return
	}
	if err := h.Admin.RemoveUser(r.Context(), name); err != nil {
		h.fail(w, r, err)
		return
	}
	msg := name + " was removed, with their devices and their access to the shared folders."
	if shares, err := h.Admin.Shares(r.Context()); err == nil {
		if i := slices.IndexFunc(shares, func(s pool.ShareInfo) bool { return strings.EqualFold(s.Name, name) }); i >= 0 {
			msg += fmt.Sprintf(" Their own shared folder %q and its files stay; give someone access to it, or remove it when nothing in it is needed.", shares[i].Name)
		}
	}
	reply(w, http.StatusOK, schema.Done{Done: true, Result: msg})
}

func (h *handler) setPassword(w http.ResponseWriter, r *http.Request) {
	var req schema.NewPassword
	if !decode(w, r, &req, `{"password": "…"}`) {
		return
	}
	if err := h.Admin.SetPassword(r.Context(), r.PathValue("name"), req.Password); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) setAdmin(w http.ResponseWriter, r *http.Request) {
	var req schema.AdminFlag
	if !decode(w, r, &req, `{"admin": true}`) {
		return
	}
	if err := h.Admin.SetAdmin(r.Context(), r.PathValue("name"), req.Admin); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func shareOf(s pool.ShareInfo) schema.ShareDetail {
	return schema.ShareDetail{Name: s.Name, Description: s.Description, Copies: s.Copies, Wanted: s.Wanted, Files: s.Files, Bytes: s.Bytes, Media: s.Media}
}

// shares lists the shares people use; the Backups share is the backups' (under
// /api/v1/backup/).
func (h *handler) shares(w http.ResponseWriter, r *http.Request) {
	ss, err := h.Admin.Shares(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []schema.ShareDetail{}
	for _, s := range ss {
		if s.Name != backupstore.Share {
			out = append(out, shareOf(s))
		}
	}
	reply(w, http.StatusOK, out)
}

func (h *handler) addShare(w http.ResponseWriter, r *http.Request) {
	var req schema.NewShare
	if !decode(w, r, &req, `{"name": "Recipes", "description": "The family's recipes", "copies": 0}`) {
		return
	}
	s, err := h.Admin.CreateShare(r.Context(), req.Name, req.Copies, req.Description)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, shareOf(s))
}

func (h *handler) setShare(w http.ResponseWriter, r *http.Request) {
	var req schema.ShareChange
	if !decode(w, r, &req, `{"description": "…", "copies": 2, "media": true}`) {
		return
	}
	if r.PathValue("name") == backupstore.Share {
		h.fail(w, r, pool.ErrNoShare) // the backups' share is the backup store's to set
		return
	}
	s, err := h.Admin.SetShare(r.Context(), r.PathValue("name"), pool.ShareSettings{Copies: req.Copies, Description: req.Description, Media: req.Media})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, shareOf(s))
}

// access is every user's level on every share, none included: the console's matrix.
func (h *handler) access(w http.ResponseWriter, r *http.Request) {
	es, err := h.Admin.Access(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if es == nil {
		es = []schema.AccessEntry{}
	}
	reply(w, http.StatusOK, es)
}

func (h *handler) setAccess(w http.ResponseWriter, r *http.Request) {
	var req schema.AccessLevel
	if !decode(w, r, &req, `{"level": "read"}`) {
		return
	}
	user := r.PathValue("user")
	// Access of a name nobody has would wait for whoever is made with it later.
	if _, err := h.Accounts.Lookup(r.Context(), user); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Admin.SetAccess(r.Context(), r.PathValue("share"), user, req.Level); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
