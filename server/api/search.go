package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
)

// Search limits: how many results a search answers when not told, and at most.
const (
	searchDefault = 50
	searchMax     = 500
)

// search finds files and folders by a fragment of their names, in the shares the caller
// may read (never the Backups share, whose files are the backup store's own). A device
// token may search too: it reads those same shares over WebDAV already, so a search
// shows it nothing more.
func (h *handler) search(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if query == "" || len(query) > 255 || !utf8.ValidString(query) {
		problem.BadRequest(w, "Say what to look for: part of a file or folder name, such as ?q=holiday.")
		return
	}
	limit := searchDefault
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > searchMax {
			problem.BadRequest(w, "The limit is a number from 1 to 500.")
			return
		}
		limit = n
	}
	shares, err := h.Pool.Shares(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var readable []string
	for _, s := range shares {
		if s.Name != pool.BackupsShare && pr.Level(s.Name) >= auth.Read {
			readable = append(readable, s.Name)
		}
	}
	found, err := h.Pool.Find(r.Context(), query, readable, limit+1)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := schema.SearchResults{Query: query, Results: []schema.FoundFile{}, More: len(found) > limit}
	for _, f := range found[:min(limit, len(found))] {
		out.Results = append(out.Results, schema.FoundFile{Path: f.Path, Name: f.Name, Dir: f.Dir, Size: f.Size, ModTime: f.ModTime})
	}
	reply(w, http.StatusOK, out)
}
