package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/pool"
)

// The administrators' calls on drives, the pool and the event log.

func driveOf(d pool.DriveInfo) schema.Drive {
	return schema.Drive{ID: d.ID, Label: d.Label, Path: d.Path, State: string(d.State), Reason: d.Reason, Total: d.Total, Free: d.Free,
		Files: d.Files, Bytes: d.Bytes, Added: d.Added, BadCopies: d.BadCopies, Warnings: d.Warnings}
}

func (h *handler) drives(w http.ResponseWriter, r *http.Request) {
	ds, err := h.Admin.Drives(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]schema.Drive, len(ds))
	for i, d := range ds {
		out[i] = driveOf(d)
	}
	reply(w, http.StatusOK, out)
}

func (h *handler) addDrive(w http.ResponseWriter, r *http.Request) {
	var req schema.NewDrive
	if !decode(w, r, &req, `{"path": "/mnt/disk2", "label": "Drive 2"}`) {
		return
	}
	if strings.TrimSpace(req.Path) == "" {
		problem.BadRequest(w, `Send the folder of the new drive on the server, such as {"path": "/mnt/disk2"}.`)
		return
	}
	d, err := h.Admin.AddDrive(r.Context(), req.Path, req.Label)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, driveOf(d))
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	st, err := h.Admin.Status(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := schema.PoolStatus{Drives: make([]schema.Drive, len(st.Drives)), Total: st.Total, Free: st.Free, Files: st.Files, Dirs: st.Dirs,
		Bytes: st.Bytes, Shares: st.Shares, NotDuplicated: st.NotDuplicated, Unavailable: st.Unavailable, Damaged: []string{}, Versions: st.Versions}
	for i, d := range st.Drives {
		out.Drives[i] = driveOf(d)
	}
	if out.Unavailable == nil {
		out.Unavailable = []string{}
	}
	for _, d := range st.Damaged {
		out.Damaged = append(out.Damaged, d.Path)
	}
	if s := st.LastScrub; s != nil {
		out.LastScrub = &schema.ScrubResult{Started: s.Started, Finished: s.Finished, Files: s.Files, Copies: s.Copies, Bytes: s.Bytes,
			Bad: s.Bad, Healed: s.Healed, Damaged: s.Damaged, Skipped: s.Skipped, Stopped: s.Stopped}
	}
	reply(w, http.StatusOK, out)
}

// eventWindow is how many of the newest events a filtered listing looks through.
const eventWindow = 10000

// events lists the event log, newest first: ?kind= keeps those whose kind starts with
// it ("login" for sign-in failures and lock-outs), ?limit= how many (100; at most 1000).
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			problem.BadRequest(w, "The limit is a number from 1 to 1000.")
			return
		}
		limit = n
	}
	kind := q.Get("kind")
	window := limit
	if kind != "" {
		window = eventWindow
	}
	es, err := h.Events(r.Context(), window)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []schema.Event{}
	for _, e := range es {
		if len(out) < limit && strings.HasPrefix(e.Kind, kind) {
			out = append(out, schema.Event{Time: e.At, Kind: e.Kind, Source: e.Source, Text: e.Text})
		}
	}
	reply(w, http.StatusOK, out)
}
