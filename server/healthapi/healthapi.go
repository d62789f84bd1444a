// Package healthapi serves the house's health at /api/v1/health: the current alerts,
// drives and PCs as JSON, a stream of them as they change, the PCs' own reports, and
// the one thing the server offers to do about a failing drive: move its files off.
package healthapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/health"
)

// Prefix is where the API lives.
const Prefix = "/api/v1/health"

// Evacuate moves a drive's files to the others and removes it; it may take hours. force
// accepts that duplicated files keep a single copy when too few drives remain.
type Evacuate func(ctx context.Context, drive string, force bool) error

type handler struct {
	ctx      context.Context // the server's: evacuations outlive their request
	mon      *health.Monitor
	evacuate Evacuate
	log      func(msg string, args ...any)
	// heartbeat is how often a quiet stream says it is alive, so proxies keep it open.
	heartbeat time.Duration
}

// New returns the handler. ctx bounds work that outlives a request (an evacuation).
func New(ctx context.Context, mon *health.Monitor, evacuate Evacuate, logError func(msg string, args ...any)) http.Handler {
	h := handler{ctx: ctx, mon: mon, evacuate: evacuate, log: logError, heartbeat: 25 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix, h.get)
	mux.HandleFunc("GET "+Prefix+"/stream", h.stream)
	mux.HandleFunc("PUT "+Prefix+"/pcs/{pc}", h.report)
	mux.HandleFunc("POST "+Prefix+"/evacuate", h.evac)
	return mux
}

func viewer(r *http.Request) health.Viewer {
	pr, _ := auth.PrincipalOf(r.Context())
	return health.Viewer{Name: pr.Name, Admin: pr.Admin}
}

func (h handler) get(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, h.mon.Health(viewer(r)))
}

// stream sends the health as server-sent events: at once, then at every change.
func (h handler) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	v := viewer(r)
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	var last []byte
	for {
		changed := h.mon.Changed() // before reading, so no change slips between
		data, _ := json.Marshal(h.mon.Health(v))
		if string(data) != string(last) {
			if _, err := fmt.Fprintf(w, "event: health\ndata: %s\n\n", data); err != nil {
				return
			}
			last = data
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": still here\n\n"); err != nil {
				return
			}
		case <-changed:
		}
	}
}

func (h handler) report(w http.ResponseWriter, r *http.Request) {
	var rep schema.PCReport
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 256<<10)).Decode(&rep); err != nil {
		problem(w, http.StatusBadRequest, "Send the PC's health report as JSON: "+err.Error())
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	err := h.mon.Report(r.Context(), r.PathValue("pc"), pr.Name, pr.Admin, rep)
	switch {
	case errors.Is(err, health.ErrNotOwner):
		problem(w, http.StatusForbidden, err.Error()+"; ask an administrator.")
	case errors.Is(err, health.ErrBadReport):
		problem(w, http.StatusBadRequest, err.Error())
	case err != nil:
		problem(w, http.StatusInternalServerError, "The server could not record the report: "+err.Error())
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// evacuateAnswer is how long an evacuation may take to be refused before the request is
// answered "started": a refusal (no room, the last drive) comes in milliseconds.
const evacuateAnswer = 2 * time.Second

func (h handler) evac(w http.ResponseWriter, r *http.Request) {
	if pr, _ := auth.PrincipalOf(r.Context()); !pr.Admin {
		problem(w, http.StatusForbidden, "Only an administrator can remove a drive.")
		return
	}
	var req struct {
		Drive string `json:"drive"`
		Force bool   `json:"force"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Drive == "" {
		problem(w, http.StatusBadRequest, `Send the drive's label, such as {"drive": "Drive 2"}.`)
		return
	}
	done := make(chan error, 1)
	go func() {
		err := h.evacuate(h.ctx, req.Drive, req.Force)
		if err != nil && h.ctx.Err() == nil {
			h.log("moving a drive's files off failed", "drive", req.Drive, "err", err)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			problem(w, http.StatusConflict, err.Error())
			return
		}
		reply(w, http.StatusOK, map[string]string{"result": req.Drive + " is empty and has been removed from the pool."})
	case <-time.After(evacuateAnswer):
		reply(w, http.StatusAccepted, map[string]string{"result": "Moving the files off " + req.Drive + "; it shows as removing until it is done."})
	}
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, code int, msg string) {
	reply(w, code, map[string]string{"error": msg})
}
