package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Manager is the administrators' long work, disks, removed shares, settings and the
// server's restart, in the API's own shapes (the app adapts admin.Local to it).
type Manager interface {
	Jobs(ctx context.Context) ([]schema.Job, error)
	StartScrub(ctx context.Context) (schema.Job, error)
	StartRepair(ctx context.Context) (schema.Job, error)
	StartRemoveDrive(ctx context.Context, label string, force bool) (schema.Job, error)
	DriveCandidates(ctx context.Context) (schema.Candidates, error)
	RemoveShare(ctx context.Context, name string) error
	RemovedShares(ctx context.Context) ([]schema.RemovedShare, error)
	RestoreShare(ctx context.Context, name string) error
	PurgeShare(ctx context.Context, name string) error
	Settings(ctx context.Context) (schema.Settings, error)
	SetSettings(ctx context.Context, s schema.Settings) (schema.Settings, error)
	Restart(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// answer replies with v, or the failure.
func answer[T any](h *handler, w http.ResponseWriter, r *http.Request, status int, v T, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, status, v)
}

func (h *handler) jobs(w http.ResponseWriter, r *http.Request) {
	js, err := h.Manage.Jobs(r.Context())
	if js == nil {
		js = []schema.Job{}
	}
	answer(h, w, r, http.StatusOK, js, err)
}

// removeDrive moves a drive's files to the others and removes it from the pool, in the
// background (GET /api/v1/jobs follows it). ?force=true accepts that duplicated files
// keep one copy when too few drives remain, or gives up the files whose only copy is on
// a missing drive.
func (h *handler) removeDrive(w http.ResponseWriter, r *http.Request) {
	force, _ := strconv.ParseBool(r.URL.Query().Get("force"))
	j, err := h.Manage.StartRemoveDrive(r.Context(), r.PathValue("label"), force)
	answer(h, w, r, http.StatusAccepted, j, err)
}

func (h *handler) scrub(w http.ResponseWriter, r *http.Request) {
	j, err := h.Manage.StartScrub(r.Context())
	answer(h, w, r, http.StatusAccepted, j, err)
}

func (h *handler) repair(w http.ResponseWriter, r *http.Request) {
	j, err := h.Manage.StartRepair(r.Context())
	answer(h, w, r, http.StatusAccepted, j, err)
}

func (h *handler) candidates(w http.ResponseWriter, r *http.Request) {
	c, err := h.Manage.DriveCandidates(r.Context())
	answer(h, w, r, http.StatusOK, c, err)
}

func (h *handler) removeShare(w http.ResponseWriter, r *http.Request) {
	if err := h.Manage.RemoveShare(r.Context(), r.PathValue("name")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) removedShares(w http.ResponseWriter, r *http.Request) {
	rs, err := h.Manage.RemovedShares(r.Context())
	if rs == nil {
		rs = []schema.RemovedShare{}
	}
	answer(h, w, r, http.StatusOK, rs, err)
}

func (h *handler) restoreShare(w http.ResponseWriter, r *http.Request) {
	if err := h.Manage.RestoreShare(r.Context(), r.PathValue("name")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) purgeShare(w http.ResponseWriter, r *http.Request) {
	if err := h.Manage.PurgeShare(r.Context(), r.PathValue("name")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) settings(w http.ResponseWriter, r *http.Request) {
	s, err := h.Manage.Settings(r.Context())
	answer(h, w, r, http.StatusOK, s, err)
}

func (h *handler) setSettings(w http.ResponseWriter, r *http.Request) {
	var s schema.Settings
	if !decode(w, r, &s, `{"server_name": "Family", "default_keep": {"last": 5, "daily": 3, "weekly": 3, "monthly": 3}, "metrics": "admin", "time_zone": "Europe/London", "backup_window": {"start": "", "end": ""}}`) {
		return
	}
	s, err := h.Manage.SetSettings(r.Context(), s)
	answer(h, w, r, http.StatusOK, s, err)
}

// restart and shutdown answer before the server stops.
func (h *handler) restart(w http.ResponseWriter, r *http.Request) {
	if err := h.Manage.Restart(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (h *handler) shutdown(w http.ResponseWriter, r *http.Request) {
	if err := h.Manage.Shutdown(r.Context()); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
