// Package healthapi serves the house's health at /api/v1/health: the current alerts,
// drives and PCs as JSON, a stream of them as they change, the PCs' own reports, and
// the one thing the server offers to do about a failing drive: move its files off.
package healthapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/route"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/health"
)

// Prefix is where the API lives.
const Prefix = "/api/v1/health"

// Evacuate moves a drive's files to the others and removes it; it may take hours. force
// accepts that duplicated files keep a single copy when too few drives remain.
type Evacuate func(ctx context.Context, drive string, force bool) error

// Options wire the handler.
type Options struct {
	Monitor  *health.Monitor
	Accounts *auth.Accounts // whose devices are whose: a user reports only for their own PCs
	Evacuate Evacuate
	Log      *slog.Logger
	// Heartbeat is how often a quiet stream speaks; 0 is the constant Heartbeat (tests
	// pass less).
	Heartbeat time.Duration
}

type handler struct {
	ctx context.Context // the server's: evacuations outlive their request
	Options
	// heartbeat is how often a quiet stream says it is alive, so proxies keep it open
	// and the PC notices a dead connection.
	heartbeat time.Duration
	mu        sync.Mutex
	emptying  map[string]bool // drives being evacuated
}

// New returns the handler. ctx bounds work that outlives a request (an evacuation).
func New(ctx context.Context, opt Options) http.Handler {
	if opt.Heartbeat <= 0 {
		opt.Heartbeat = Heartbeat
	}
	return route.Mux(routes(&handler{ctx: ctx, Options: opt, heartbeat: opt.Heartbeat, emptying: map[string]bool{}}))
}

// Routes lists the calls New serves, as "METHOD /path" patterns.
func Routes() []string { return route.Patterns(routes(&handler{})) }

func routes(h *handler) []route.Route {
	return []route.Route{
		{Method: "GET", Path: Prefix, Handler: h.get},
		{Method: "GET", Path: Prefix + "/stream", Handler: h.stream},
		{Method: "PUT", Path: Prefix + "/pcs/{pc}", Handler: h.report},
		{Method: "POST", Path: Prefix + "/evacuate", Handler: h.evac},
	}
}

// Heartbeat is how often the stream speaks when nothing changes; a PC that hears
// nothing for two of them may take the connection as dead.
const Heartbeat = 25 * time.Second

func viewer(r *http.Request) health.Viewer {
	pr, ok := auth.PrincipalOf(r.Context())
	if !ok {
		return health.Viewer{}
	}
	// An alert about files names only those in shares the viewer may read.
	return health.Viewer{Name: pr.Name, Admin: pr.Admin, Reads: func(share string) bool { return pr.Level(share) >= auth.Read }}
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusOK, h.Monitor.Health(viewer(r)))
}

// stream sends the health as server-sent events: at once, then at every change.
func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	v := viewer(r)
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	var last []byte
	for {
		changed := h.Monitor.Changed() // before reading, so no change slips between
		data, _ := json.Marshal(h.Monitor.Health(v))
		if string(data) != string(last) {
			if send(rc, w, "event: health\ndata: "+string(data)+"\n\n") != nil {
				return
			}
			last = data
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		case <-beat.C:
			if send(rc, w, ": still here\n\n") != nil {
				return
			}
		case <-changed:
		}
	}
}

// send writes one message of a stream and flushes it. It must go within a heartbeat: a
// PC that stops reading is let go. The deadline is for the write alone: left in place
// while the stream waits, over HTTP/2 it ended the stream whenever the next heartbeat
// came a moment after it.
func send(rc *http.ResponseController, w http.ResponseWriter, msg string) error {
	rc.SetWriteDeadline(time.Now().Add(Heartbeat))
	_, err := fmt.Fprint(w, msg)
	if err == nil {
		err = rc.Flush()
	}
	rc.SetWriteDeadline(time.Time{})
	return err
}

func (h *handler) report(w http.ResponseWriter, r *http.Request) {
	var rep schema.PCReport
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, schema.MaxReport)).Decode(&rep); err != nil {
		problem.BadRequest(w, "Send the PC's health report as JSON, as the Hearth connector does; update Hearth on the PC if it is old.")
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	pc := r.PathValue("pc")
	if err := backup.CheckPCName(pc); err != nil {
		problem.BadRequest(w, `A PC's name is up to 100 letters, digits, spaces and simple punctuation, without / \ : * ? " < > or |.`)
		return
	}
	if !pr.OwnPC(pc) {
		// A device token reports for its own PC only: a stolen laptop must not paint
		// the desktop green (or red) in everyone's view.
		problem.Forbidden(w, "This device may report the health of its own PC only.")
		return
	}
	if !pr.Admin {
		mine, err := h.ownDevice(r.Context(), pr.Name, pc)
		if err != nil {
			problem.Fail(w, r, h.Log, fmt.Errorf("read the devices: %w", err))
			return
		}
		if !mine {
			problem.Forbidden(w, "Only a PC that joined as you reports its health under its own name; join it with 'hearth join'.")
			return
		}
	}
	if err := h.Monitor.Report(r.Context(), pc, pr.Name, pr.Admin, rep); err != nil {
		problem.Fail(w, r, h.Log, fmt.Errorf("record the health report of %s: %w", pc, err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// evacuateAnswer is how long an evacuation may take to be refused before the request is
// answered "started": a refusal (no room, the last drive) comes in milliseconds.
const evacuateAnswer = 2 * time.Second

func (h *handler) evac(w http.ResponseWriter, r *http.Request) {
	if pr, _ := auth.PrincipalOf(r.Context()); !pr.Admin || pr.ByToken {
		// A device's token may be stolen with the device; emptying a drive asks for a
		// password.
		problem.Reply(w, http.StatusForbidden, problem.CodeAdminOnly, "Only an administrator, signed in with a password, can remove a drive.")
		return
	}
	var req struct {
		Drive string `json:"drive"`
		Force bool   `json:"force"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil || req.Drive == "" {
		problem.BadRequest(w, `Send the drive's label, such as {"drive": "Drive 2"}.`)
		return
	}
	if !h.Monitor.Evacuable(req.Drive) {
		problem.Reply(w, http.StatusConflict, "no_alert", "No alert offers to empty "+req.Drive+" now; to remove a drive that is healthy or missing, remove it on the Storage page.")
		return
	}
	h.mu.Lock()
	busy := h.emptying[req.Drive]
	h.emptying[req.Drive] = true
	h.mu.Unlock()
	if busy {
		problem.Reply(w, http.StatusConflict, "busy", "The files are already being moved off "+req.Drive+".")
		return
	}
	done := make(chan error, 1)
	go func() {
		err := h.Evacuate(h.ctx, req.Drive, req.Force)
		h.mu.Lock()
		delete(h.emptying, req.Drive)
		h.mu.Unlock()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			problem.Fail(w, r, h.Log, fmt.Errorf("empty drive %s: %w", req.Drive, err))
			return
		}
		reply(w, http.StatusOK, map[string]string{"result": "The files are off " + req.Drive + ", and it has left the pool."})
	case <-time.After(evacuateAnswer):
		reply(w, http.StatusAccepted, map[string]string{"result": "Moving the files off " + req.Drive + "; it shows as removing until it is done."})
		go func() { // nobody waits for the answer any more: the log keeps it
			if err := <-done; err != nil && h.ctx.Err() == nil {
				h.Log.Error("moving a drive's files off failed", "drive", req.Drive, "err", err)
			}
		}()
	}
}

// ownDevice says whether user has a device of that name.
func (h *handler) ownDevice(ctx context.Context, user, pc string) (bool, error) {
	ds, err := h.Accounts.Devices(ctx)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if strings.EqualFold(d.User, user) && strings.EqualFold(d.Name, pc) {
			return true, nil
		}
	}
	return false, nil
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
