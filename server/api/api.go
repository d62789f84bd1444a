// Package api is hearthd's JSON API at /api/v1/, for the connector and the web pages. The
// caller is signed in by the web layer; what it may see follows its share access.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
)

// The JSON shapes, in their own package so the connector can use them.
type (
	Share  = schema.Share
	Me     = schema.Me
	Server = schema.Server
	Device = schema.Device
)

// New returns the API handler. backups is asked whether a joining PC's name is free; log
// gets the causes of failures, which the caller is told in plain words.
func New(p *pool.Pool, accounts *auth.Accounts, backups *backupstore.Store, info func(context.Context) (admin.ServerInfo, error), log *slog.Logger) http.Handler {
	fail := failer{log: log}.fail
	mux := http.NewServeMux()
	// A PC joins: it signs in with the user's password and gets a token of its own.
	mux.HandleFunc("POST /api/v1/devices", func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.PrincipalOf(r.Context())
		if pr.ByToken {
			problem(w, http.StatusForbidden, "A device joins with its user's password, not with another device's token.")
			return
		}
		var req schema.NewDevice
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || strings.TrimSpace(req.Name) == "" || len(req.Name) > 200 {
			problem(w, http.StatusBadRequest, "Send the device's name, such as {\"name\": \"Mum's laptop\"}.")
			return
		}
		// The connector backs up under the name it joins with, so the token acts for
		// the PC of that name alone; a name that cannot name backups acts for none.
		name := strings.TrimSpace(req.Name)
		pc := ""
		var held []auth.PCHolder
		if backup.CheckPCName(name) == nil {
			pc = name
			var err error
			if held, err = backups.Holders(r.Context(), pc); err != nil {
				fail(w, r, err)
				return
			}
		}
		// Whether the name is free is decided with the devices in one transaction, so two
		// PCs joining at once under one name cannot both have it.
		d, token, err := accounts.NewDevice(r.Context(), pr.Name, name, pc, held)
		if err != nil {
			fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(Device{ID: d.ID, User: d.User, Name: d.Name, Created: d.Created, Token: token})
	})
	// Users see their own devices; administrators see all.
	mux.HandleFunc("GET /api/v1/devices", func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.PrincipalOf(r.Context())
		ds, err := accounts.Devices(r.Context())
		if err != nil {
			fail(w, r, err)
			return
		}
		out := []Device{}
		for _, d := range ds {
			if pr.Admin || strings.EqualFold(d.User, pr.Name) {
				out = append(out, Device{ID: d.ID, User: d.User, Name: d.Name, Created: d.Created})
			}
		}
		reply(w, out)
	})
	mux.HandleFunc("DELETE /api/v1/devices/{id}", func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.PrincipalOf(r.Context())
		ds, err := accounts.Devices(r.Context())
		if err != nil {
			fail(w, r, err)
			return
		}
		for _, d := range ds {
			if d.ID == r.PathValue("id") && (pr.Admin || strings.EqualFold(d.User, pr.Name)) {
				// A PC leaves with its own token ("hearth leave"); a stolen one must not
				// cut the family's other PCs off their backups.
				if pr.ByToken && (pr.PC == "" || d.PC != pr.PC) {
					problem(w, http.StatusForbidden, "This device may remove only itself. To remove another device, sign in with your password.")
					return
				}
				if err := accounts.RemoveDevice(r.Context(), d.ID); err != nil {
					fail(w, r, err)
					return
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		problem(w, http.StatusNotFound, "No device of yours has that id.")
	})
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.PrincipalOf(r.Context())
		shares, err := p.Shares(r.Context())
		if err != nil {
			fail(w, r, err)
			return
		}
		me := Me{Name: pr.Name, Admin: pr.Admin, Shares: []Share{}}
		for _, s := range shares {
			if s.Name == backupstore.Share {
				continue // its backups are under /api/v1/backup/ and read-only in the drive
			}
			if l := pr.Level(s.Name); l >= auth.Read {
				me.Shares = append(me.Shares, Share{Name: s.Name, Description: s.Description, Access: l.String(), Copies: s.Wanted})
			}
		}
		reply(w, me)
	})
	mux.HandleFunc("GET /api/v1/server", func(w http.ResponseWriter, r *http.Request) {
		i, err := info(r.Context())
		if err != nil {
			fail(w, r, err)
			return
		}
		reply(w, Server{Version: i.Version, Fingerprint: i.Fingerprint, CAFingerprint: i.CAFingerprint, DAV: i.URL})
	})
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"error": "no such API call"})
	})
	return mux
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// failer answers a request that failed.
type failer struct{ log *slog.Logger }

// fail answers err in plain words: the errors a person can act on with what to do, any
// other with an apology, its cause (Go's words, which may name files, tables or
// addresses) going to the log only.
func (f failer) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := failure(err)
	if code == http.StatusInternalServerError {
		f.log.Error("an API call failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	problem(w, code, msg)
}

// failure is the status and the words a failed API call is answered with.
func failure(err error) (int, string) {
	if pe, ok := errors.AsType[*auth.PCTakenError](err); ok {
		return http.StatusConflict, pe.Error() // written for people: says what to do
	}
	switch {
	case errors.Is(err, auth.ErrNoUser):
		return http.StatusNotFound, "There is no such user on this server; an administrator can add one."
	case errors.Is(err, auth.ErrNoDevice):
		return http.StatusNotFound, "No device of yours has that id."
	case errors.Is(err, auth.ErrBadDeviceName):
		return http.StatusBadRequest, "A device's name is plain text of 1 to 200 bytes, without control characters."
	case errors.Is(err, auth.ErrBadName):
		return http.StatusBadRequest, "A user name is 1 to 32 letters, digits, '-', '_' or '.', starting with a letter or digit."
	}
	return http.StatusInternalServerError, "The server could not do that; please try again."
}
