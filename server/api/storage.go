package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/human"
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

// removeDrive moves a drive's files to the others and removes it from the pool. That
// may take hours; ?force=true accepts that duplicated files keep one copy when too few
// drives remain, or gives up the files whose only copy is on a missing drive.
func (h *handler) removeDrive(w http.ResponseWriter, r *http.Request) {
	label := r.PathValue("label")
	force, _ := strconv.ParseBool(r.URL.Query().Get("force"))
	h.long(w, r, "drive "+label, func(ctx context.Context) (string, error) {
		rep, err := h.Admin.RemoveDrive(ctx, label, pool.RemoveOptions{Force: force})
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("The files are off %s (%d copies, %s), and it has left the pool.", label, rep.Moved, human.Bytes(rep.Bytes))
		if len(rep.Lost) > 0 {
			msg += fmt.Sprintf(" %d files whose only copy was on it are gone.", len(rep.Lost))
		}
		return msg, nil
	}, "Moving the files off "+label+"; it shows as removing until it is done.")
}

func (h *handler) scrub(w http.ResponseWriter, r *http.Request) {
	h.long(w, r, "pool", func(ctx context.Context) (string, error) {
		rep, err := h.Admin.Scrub(ctx)
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("Checked %d files (%d copies, %s): %d bad copies found, %d of them mended.", rep.Files, rep.Copies, human.Bytes(rep.Bytes), rep.Bad, rep.Healed)
		if len(rep.Damaged) > 0 {
			msg += fmt.Sprintf(" %d files have no good copy left; bring them back from a previous version or a backup.", len(rep.Damaged))
		}
		return msg, nil
	}, "Checking every copy of every file; the pool's page shows the result when it is done.")
}

func (h *handler) repair(w http.ResponseWriter, r *http.Request) {
	h.long(w, r, "pool", func(ctx context.Context) (string, error) {
		rep, err := h.Admin.Repair(ctx)
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("Made %d missing copies, removed %d extra ones and mended %d damaged ones.", rep.Copied, rep.Thinned, rep.Healed)
		if rep.Waiting > 0 {
			msg += fmt.Sprintf(" %d files still lack a copy: the drives may be full, or they are being written.", rep.Waiting)
		}
		return msg, nil
	}, "Repairing the pool; the pool's page shows the result when it is done.")
}

// answerWithin is how long a long operation may take to finish (or be refused: no room,
// the last drive) before the request is answered "started".
const answerWithin = 2 * time.Second

// long runs op on key (one at a time per key) in the server's context, so it goes on
// when the request ends. It answers 200 with op's words when op is done in answerWithin,
// else 202 with started; a refusal comes as an error.
func (h *handler) long(w http.ResponseWriter, r *http.Request, key string, op func(context.Context) (string, error), started string) {
	h.mu.Lock()
	busy := h.running[key]
	h.running[key] = true
	h.mu.Unlock()
	if busy {
		problem.Reply(w, http.StatusConflict, "busy", "That is under way already; wait until it is done.")
		return
	}
	ctx := h.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	type result struct {
		msg string
		err error
	}
	done := make(chan result, 1)
	go func() {
		msg, err := op(ctx)
		h.mu.Lock()
		delete(h.running, key)
		h.mu.Unlock()
		done <- result{msg, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			h.fail(w, r, res.err)
			return
		}
		reply(w, http.StatusOK, schema.Done{Done: true, Result: res.msg})
	case <-time.After(answerWithin):
		reply(w, http.StatusAccepted, schema.Done{Result: started})
		go func() { // nobody waits for the answer any more: the log keeps it
			if res := <-done; res.err != nil && ctx.Err() == nil {
				h.Log.Error("a long operation failed", "on", key, "err", res.err)
			}
		}()
	}
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
