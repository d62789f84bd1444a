// Package backupapi is the part of the JSON API at /api/v1/backup/ that PCs back up and
// restore through. A PC's backups are its owner's and the administrators'. A PC signs in
// with its device token, which acts for that PC alone: a stolen or infected laptop can
// neither read nor touch the desktop's backups, and cannot make the server keep fewer of
// its own (that needs its owner's password or an administrator).
package backupapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/route"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
)

// Prefix is where the handler is mounted.
const Prefix = "/api/v1/backup/"

// maxAsk bounds one question about which blobs exist.
const maxAsk = 1 << 16

type handler struct {
	st *backupstore.Store
	// accounts knows which PC names devices joined with.
	accounts *auth.Accounts
	log      *slog.Logger
}

// New returns the handler. Requests arrive signed in. log gets the causes of what goes
// wrong on the server's side (the PC is told in plain words).
func New(st *backupstore.Store, accounts *auth.Accounts, log *slog.Logger) http.Handler {
	return route.Mux(routes(handler{st: st, accounts: accounts, log: log}))
}

// Routes lists the calls New serves, as "METHOD /path" patterns.
func Routes() []string { return route.Patterns(routes(handler{})) }

func routes(h handler) []route.Route {
	return []route.Route{
		{Method: "GET", Path: "/api/v1/backup/pcs", Handler: h.pcs},
		{Method: "POST", Path: "/api/v1/backup/pcs/{pc}/sessions", Handler: h.begin},
		{Method: "GET", Path: "/api/v1/backup/pcs/{pc}/snapshots", Handler: h.snapshots},
		{Method: "GET", Path: "/api/v1/backup/pcs/{pc}/snapshots/{id}", Handler: h.snapshot},
		{Method: "DELETE", Path: "/api/v1/backup/pcs/{pc}/snapshots/{id}", Handler: h.delete},
		{Method: "POST", Path: "/api/v1/backup/pcs/{pc}/snapshots/{id}/undelete", Handler: h.undelete},
		{Method: "GET", Path: "/api/v1/backup/pcs/{pc}/deleted", Handler: h.deleted},
		{Method: "GET", Path: "/api/v1/backup/pcs/{pc}/blobs/{id}", Handler: h.blob},
		{Method: "POST", Path: "/api/v1/backup/pcs/{pc}/blobs", Handler: h.blobs},
		{Method: "PUT", Path: "/api/v1/backup/pcs/{pc}/keep", Handler: h.keep},
		{Method: "POST", Path: "/api/v1/backup/cleanup", Handler: h.cleanup},
		{Method: "POST", Path: "/api/v1/backup/sessions/{s}/missing", Handler: h.missing},
		{Method: "PUT", Path: "/api/v1/backup/sessions/{s}/packs/{id}", Handler: h.pack},
		{Method: "POST", Path: "/api/v1/backup/sessions/{s}/commit", Handler: h.commit},
		{Method: "POST", Path: "/api/v1/backup/sessions/{s}/alive", Handler: h.alive},
		{Method: "PUT", Path: "/api/v1/backup/pcs/{pc}/snapshots/{id}/pin", Handler: h.pin},
		{Method: "DELETE", Path: "/api/v1/backup/pcs/{pc}/snapshots/{id}/pin", Handler: h.pin},
		{Method: "DELETE", Path: "/api/v1/backup/sessions/{s}", Handler: h.end},
	}
}

// broken answers 500 for a fault on the server's side: the PC gets plain words, the log
// gets the cause.
func (h handler) broken(w http.ResponseWriter, pc, doing string, err error) {
	h.log.Error("backup API: could not "+doing, "pc", pc, "err", err)
	problem.Reply(w, http.StatusInternalServerError, problem.CodeInternal, "The server could not look up this PC's backups just now. Please try again later; if it keeps happening, the server's log says why.")
}

// badPCName answers a PC name that cannot name backups.
func badPCName(w http.ResponseWriter) {
	problem.BadRequest(w, `A PC's name is up to 100 letters, digits, spaces and simple punctuation, without / \ : * ? " < > or |.`)
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// fail answers err by the API's policy (package problem); a commit that lacks pieces
// also names them, for the PC to send.
func (h handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if inc, ok := errors.AsType[*backupstore.IncompleteError](err); ok {
		status, code, msg := problem.Of(err)
		out := schema.Incomplete{Error: msg, Code: code, Missing: make([]string, len(inc.Missing))}
		for i, id := range inc.Missing {
			out.Missing[i] = id.String()
		}
		reply(w, status, out)
		return
	}
	problem.Fail(w, r, h.log, err)
}

// allowed says whether the signed-in user may see pc's backups; a PC nobody has backed
// up yet is nobody's.
func (h handler) allowed(w http.ResponseWriter, r *http.Request, pc string) bool {
	_, ok := h.pcOf(w, r, pc)
	return ok
}

// pcOf returns pc when the signed-in user may see its backups: its owner or an
// administrator, and with a device token only the token's own PC.
func (h handler) pcOf(w http.ResponseWriter, r *http.Request, pc string) (backupstore.PC, bool) {
	ctx := r.Context()
	pr, _ := auth.PrincipalOf(ctx)
	if err := backup.CheckPCName(pc); err != nil {
		badPCName(w)
		return backupstore.PC{}, false
	}
	// Before the PC is looked up: a device learns nothing of other PCs.
	if !pr.OwnPC(pc) {
		problem.Forbidden(w, notThisPC(pr, pc))
		return backupstore.PC{}, false
	}
	p, err := h.st.PC(ctx, pc)
	if errors.Is(err, backupstore.ErrNoSnapshot) {
		h.fail(w, r, err)
		return backupstore.PC{}, false
	}
	if err != nil {
		h.broken(w, pc, "read the PC's record", err)
		return backupstore.PC{}, false
	}
	if !pr.Admin && !strings.EqualFold(p.Owner, pr.Name) {
		problem.Forbidden(w, "These backups belong to "+p.Owner+"; ask them or an administrator.")
		return backupstore.PC{}, false
	}
	return p, true
}

// notThisPC says why a device may not act on pc's backups.
func notThisPC(pr auth.Principal, pc string) string {
	if pr.PC == "" {
		// Also a PC that joined before tokens were bound to their PC and had neither backed
		// up nor reported its health by then (catalog step 7 could not tell it from a phone).
		return "This device did not join as a PC, so it cannot see or make backups. If it is a PC, join it to the server again; to look at backups, sign in with your password."
	}
	return fmt.Sprintf("This PC joined as %q and may back up and restore only its own backups, not those of %q. To look after another PC's backups, sign in with your password.", pr.PC, pc)
}

// inSession checks the session and that its PC is the user's.
func (h handler) inSession(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("s")
	pc, err := h.st.SessionPC(id)
	if err != nil {
		h.fail(w, r, err)
		return "", false
	}
	return id, h.allowed(w, r, pc)
}

func summary(s backupstore.SnapshotInfo) schema.Snapshot {
	return schema.Snapshot{ID: s.ID.String(), PC: s.PC, Time: s.Time, Folder: backup.FolderName(s.Time), Paths: s.Paths,
		Files: s.Files, Bytes: s.Bytes, Added: s.Added}
}

func (h handler) pcs(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	pcs, err := h.st.PCs(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []schema.BackupPC{}
	for _, p := range pcs {
		if !pr.OwnPC(p.Name) || (!pr.Admin && !strings.EqualFold(p.Owner, pr.Name)) {
			continue
		}
		b := schema.BackupPC{Name: p.Name, Owner: p.Owner, Keep: schema.Retention(p.Keep)}
		for _, id := range p.Pinned {
			b.Pinned = append(b.Pinned, id.String())
		}
		if snaps, err := h.st.Snapshots(r.Context(), p.Name); err == nil && len(snaps) > 0 {
			last := summary(snaps[len(snaps)-1])
			b.Last = &last
		}
		out = append(out, b)
	}
	reply(w, http.StatusOK, out)
}

func (h handler) begin(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	var req schema.NewBackupSession
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil && err != io.EOF {
		problem.BadRequest(w, "Send {\"parent\": \"<previous backup ID>\"} or {}.")
		return
	}
	var parent *backup.ID
	if req.Parent != "" {
		id, err := backup.ParseID(req.Parent)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		parent = &id
	}
	pc := r.PathValue("pc")
	if err := backup.CheckPCName(pc); err != nil {
		badPCName(w)
		return
	}
	// This is what stored an empty backup under the desktop's name from the laptop.
	if !pr.OwnPC(pc) {
		problem.Forbidden(w, notThisPC(pr, pc))
		return
	}
	// A PC's first backup claims its name, by the rule a PC joins by (auth.PCNameFree).
	// A PC that backs up here already is its owner's whatever devices say (the store
	// refuses anyone else).
	_, err := h.st.PC(r.Context(), pc)
	switch {
	case errors.Is(err, backupstore.ErrNoSnapshot):
		held, err := h.st.Holders(r.Context(), pc)
		if err == nil {
			err = h.accounts.CheckPCName(r.Context(), pr.Name, pc, held)
		}
		var taken *auth.PCTakenError
		if errors.As(err, &taken) {
			h.fail(w, r, err)
			return
		}
		if err != nil {
			h.broken(w, pc, "check the PC's name", err)
			return
		}
	case err != nil:
		h.broken(w, pc, "read the PC's record", err)
		return
	}
	id, ok, err := h.st.Begin(r.Context(), pc, pr.Name, parent)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, schema.BackupSession{Session: id, ParentOK: ok})
}

func (h handler) missing(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.inSession(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAsk*32))
	if err != nil || len(body)%32 != 0 {
		problem.BadRequest(w, "Send blob IDs as 32-byte binary names, at most 65536 at a time.")
		return
	}
	ids := make([]backup.ID, len(body)/32)
	for i := range ids {
		copy(ids[i][:], body[32*i:])
	}
	missing, err := h.st.Missing(r.Context(), sess, ids)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]byte, 0, 32*len(missing))
	for _, id := range missing {
		out = append(out, id[:]...)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(out)
}

func (h handler) pack(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.inSession(w, r)
	if !ok {
		return
	}
	id, err := backup.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.st.PutPack(r.Context(), sess, id, r.Body, r.ContentLength); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h handler) commit(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.inSession(w, r)
	if !ok {
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		problem.BadRequest(w, "The backup description is too large.")
		return
	}
	snap, err := backup.DecodeSnapshot(data)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	id, err := h.st.Commit(r.Context(), sess, snap)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, summary(backupstore.SnapshotInfo{ID: id, Snapshot: snap}))
}

// alive keeps a session that runs long without asking anything (its PC reads files the
// server has) from lapsing, which would let a second backup of the PC start.
func (h handler) alive(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.inSession(w, r)
	if !ok {
		return
	}
	if err := h.st.Touch(sess); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pin keeps a backup whatever the retention rule says (PUT), or lets the rule judge it
// again (DELETE). Unpinning lets the backup go at the next cleanup (one just brought back
// from the deleted ones too), so like keeping fewer it needs the owner's password or an
// administrator, not a PC's token.
func (h handler) pin(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	p, ok := h.pcOf(w, r, r.PathValue("pc"))
	if !ok {
		return
	}
	if r.Method == http.MethodDelete && !pr.MayLetGo(p.Owner) {
		problem.Forbidden(w, "Letting a kept backup go needs "+p.Owner+"'s password (sign in with it rather than this PC's own sign-in) or an administrator. Keeping one is fine from the PC.")
		return
	}
	id, err := backup.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.st.Pin(r.Context(), p.Name, id, r.Method == http.MethodPut); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h handler) end(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.inSession(w, r)
	if !ok {
		return
	}
	h.st.End(sess)
	w.WriteHeader(http.StatusNoContent)
}

func (h handler) snapshots(w http.ResponseWriter, r *http.Request) {
	pc := r.PathValue("pc")
	if !h.allowed(w, r, pc) {
		return
	}
	snaps, err := h.st.Snapshots(r.Context(), pc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.st.PC(r.Context(), pc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]schema.Snapshot, len(snaps))
	for i, s := range snaps {
		out[i] = summary(s)
		out[i].Pinned = slices.Contains(p.Pinned, s.ID)
	}
	reply(w, http.StatusOK, out)
}

// pcSnapshot reads the PC and backup a request names, checking that the user may see it.
func (h handler) pcSnapshot(w http.ResponseWriter, r *http.Request) (string, backup.ID, bool) {
	pc := r.PathValue("pc")
	if !h.allowed(w, r, pc) {
		return "", backup.ID{}, false
	}
	id, err := backup.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return "", backup.ID{}, false
	}
	return pc, id, true
}

func (h handler) snapshot(w http.ResponseWriter, r *http.Request) {
	pc, id, ok := h.pcSnapshot(w, r)
	if !ok {
		return
	}
	s, err := h.st.Snapshot(r.Context(), pc, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data, _, err := backup.EncodeSnapshot(s.Snapshot)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

// blob sends a blob as stored; the PC expands it and checks it against its name.
func (h handler) blob(w http.ResponseWriter, r *http.Request) {
	if !h.allowed(w, r, r.PathValue("pc")) {
		return
	}
	id, err := backup.ParseID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, stored, err := h.st.LoadStored(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Hearth-Encoding", strconv.Itoa(int(e.Enc)))
	w.Header().Set("Hearth-Raw-Length", strconv.Itoa(int(e.RawLen)))
	w.Header().Set("Content-Length", strconv.Itoa(len(stored)))
	w.Write(stored)
}

// maxFetch bounds the blobs one request for many may name.
const maxFetch = 4096

// blobs sends many blobs as stored, each as a record: ID (32 bytes), encoding (1),
// plain length (4, little-endian), stored length (4), stored bytes. They come in the
// order they lie on disk, not the order asked.
func (h handler) blobs(w http.ResponseWriter, r *http.Request) {
	if !h.allowed(w, r, r.PathValue("pc")) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFetch*32))
	if err != nil || len(body)%32 != 0 || len(body) == 0 {
		problem.BadRequest(w, "Send blob IDs as 32-byte binary names, at most 4096 at a time.")
		return
	}
	ids := make([]backup.ID, len(body)/32)
	for i := range ids {
		copy(ids[i][:], body[32*i:])
	}
	started := false
	var head [41]byte
	err = h.st.StreamBlobs(r.Context(), ids, func(e backup.Entry, stored []byte) error {
		if !started {
			w.Header().Set("Content-Type", "application/octet-stream")
			started = true
		}
		copy(head[:32], e.ID[:])
		head[32] = byte(e.Enc)
		binary.LittleEndian.PutUint32(head[33:], e.RawLen)
		binary.LittleEndian.PutUint32(head[37:], uint32(len(stored)))
		if _, err := w.Write(head[:]); err != nil {
			return err
		}
		_, err := w.Write(stored)
		return err
	})
	if err != nil {
		if started {
			// Part of the answer is gone; cut the connection so the PC sees it incomplete.
			panic(http.ErrAbortHandler)
		}
		h.fail(w, r, err)
	}
}

func (h handler) keep(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	pc := r.PathValue("pc")
	p, ok := h.pcOf(w, r, pc)
	if !ok {
		return
	}
	var k schema.Retention
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&k); err != nil {
		problem.BadRequest(w, "Send {\"last\": 5, \"daily\": 3, \"weekly\": 3, \"monthly\": 3}.")
		return
	}
	if err := backup.Policy(k).Check(); err != nil {
		problem.BadRequest(w, "Keep between 0 and 1000 of the last, daily, weekly and monthly backups.")
		return
	}
	// Keeping more is always fine; keeping fewer lets backups go, which a stolen PC's
	// token must not be able to do.
	if fewer(p.Keep, backup.Policy(k)) && !pr.MayLetGo(p.Owner) {
		problem.Forbidden(w, "Keeping fewer backups needs "+p.Owner+"'s password (sign in with it rather than this PC's own sign-in) or an administrator. Keeping more is fine from the PC.")
		return
	}
	if err := h.st.SetPolicy(r.Context(), pc, backup.Policy(k)); err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, k)
}

// fewer reports whether policy to keeps fewer of some kind of backup than from.
func fewer(from, to backup.Policy) bool {
	return to.Last < from.Last || to.Daily < from.Daily || to.Weekly < from.Weekly || to.Monthly < from.Monthly
}
