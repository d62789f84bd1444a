// Package api is hearthd's JSON API at /api/v1/, for the connector and the web pages. The
// caller is signed in by the web layer; what it may see follows its share access.
package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
)

// Share is a share as a signed-in user sees it.
type Share struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Access      string `json:"access"`
	Copies      int    `json:"copies"`
}

// Me is the signed-in user.
type Me struct {
	Name   string  `json:"name"`
	Admin  bool    `json:"admin"`
	Shares []Share `json:"shares"`
}

// Server is what any signed-in user may know of the server.
type Server struct {
	Version     string `json:"version"`
	Fingerprint string `json:"fingerprint"`
	DAV         string `json:"dav"`
}

// New returns the API handler.
func New(p *pool.Pool, info func(context.Context) (admin.ServerInfo, error)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) {
		pr, _ := auth.PrincipalOf(r.Context())
		shares, err := p.Shares(r.Context())
		if err != nil {
			fail(w, err)
			return
		}
		me := Me{Name: pr.Name, Admin: pr.Admin, Shares: []Share{}}
		for _, s := range shares {
			if l := pr.Level(s.Name); l >= auth.Read {
				me.Shares = append(me.Shares, Share{Name: s.Name, Description: s.Description, Access: l.String(), Copies: s.Wanted})
			}
		}
		reply(w, me)
	})
	mux.HandleFunc("GET /api/v1/server", func(w http.ResponseWriter, r *http.Request) {
		i, err := info(r.Context())
		if err != nil {
			fail(w, err)
			return
		}
		reply(w, Server{Version: i.Version, Fingerprint: i.Fingerprint, DAV: i.URL})
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

func fail(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}
