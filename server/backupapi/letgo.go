package backupapi

import (
	"net/http"
	"slices"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
)

// Letting backups go and bringing them back. A backup deleted is kept for the grace
// period, when undelete brings it back: no backup is gone on one click.

// delete lets a backup go now. Like keeping fewer, it needs the owner's password or an
// administrator, never a PC's token: a stolen PC must not destroy its backups.
func (h handler) delete(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	p, ok := h.pcOf(w, r, r.PathValue("pc"))
	if !ok {
		return
	}
	if !pr.MayLetGo(p.Owner) {
		problem.Forbidden(w, "Deleting a backup needs "+p.Owner+"'s password (sign in with it rather than this PC's own sign-in) or an administrator.")
		return
	}
	id, err := backup.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.st.Delete(r.Context(), p.Name, id, "deleted by "+pr.Name); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// undelete brings back a backup let go within the grace period, and keeps it (pins it).
// Keeping more is fine from the PC itself, as pinning is.
func (h handler) undelete(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pcOf(w, r, r.PathValue("pc"))
	if !ok {
		return
	}
	id, err := backup.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.st.Undelete(r.Context(), p.Name, id); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, schema.BackupID{ID: id.String()})
}

// deleted lists a PC's backups that were let go and can still be brought back.
func (h handler) deleted(w http.ResponseWriter, r *http.Request) {
	p, ok := h.pcOf(w, r, r.PathValue("pc"))
	if !ok {
		return
	}
	ds, err := h.st.Deleted(r.Context(), p.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []schema.DeletedSnapshot{}
	for _, d := range ds {
		s := summary(d.SnapshotInfo)
		s.Pinned = slices.Contains(p.Pinned, d.ID)
		out = append(out, schema.DeletedSnapshot{Snapshot: s, Deleted: d.Deleted, Until: d.Until})
	}
	reply(w, http.StatusOK, out)
}

// cleanup runs the nightly cleanup now (every PC's retention rule, then freeing what no
// backup needs): an administrator's, signed in with a password.
func (h handler) cleanup(w http.ResponseWriter, r *http.Request) {
	if pr, _ := auth.PrincipalOf(r.Context()); !pr.Admin || pr.ByToken {
		problem.Reply(w, http.StatusForbidden, problem.CodeAdminOnly, "Only an administrator, signed in with a password, can run the cleanup now.")
		return
	}
	rep, err := h.st.Cleanup(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, schema.Cleanup{Snapshots: rep.Snapshots, RemovedPieces: rep.RemovedBlobs, PacksDeleted: rep.PacksDeleted,
		PacksRewritten: rep.PacksRewritten, Freed: rep.Freed})
}
