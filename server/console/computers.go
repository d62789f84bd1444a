package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
)

func (c *Console) computerRoutes() {
	c.mux.HandleFunc("GET /computers", c.computers)
	c.mux.HandleFunc("GET /computers/{pc}", c.computer)
	c.mux.HandleFunc("GET /computers/{pc}/browse/{rest...}", c.browse)
	c.mux.HandleFunc("POST /computers/{pc}/backups/{id}/{act}", c.backupAction)
	c.mux.HandleFunc("POST /computers/{pc}/keep", c.keep)
	c.mux.HandleFunc("POST /computers/cleanup", c.adminOnly(c.cleanup))
}

// computerRow is one PC on the Computers page.
type computerRow struct {
	admin.BackupPC
	Health *schema.PCHealth
}

// LastTime is when the PC last backed up (zero: never).
func (r computerRow) LastTime() time.Time {
	if n := len(r.Snapshots); n > 0 {
		return r.Snapshots[n-1].Time
	}
	if r.Health != nil && r.Health.LastBackup != nil {
		return *r.Health.LastBackup
	}
	return time.Time{}
}

// pcs are the PCs pr may see: every one for an administrator, their own otherwise.
func (c *Console) pcs(r *http.Request) ([]computerRow, error) {
	pr, _ := auth.PrincipalOf(r.Context())
	all, err := c.opt.Service.BackupPCs(r.Context())
	if err != nil {
		return nil, err
	}
	h := c.opt.Monitor.Health(viewer(pr))
	var out []computerRow
	for _, p := range all {
		if !pr.Admin && !strings.EqualFold(p.Owner, pr.Name) {
			continue
		}
		row := computerRow{BackupPC: p}
		for i := range h.PCs {
			if strings.EqualFold(h.PCs[i].Name, p.Name) {
				row.Health = &h.PCs[i]
			}
		}
		out = append(out, row)
	}
	// PCs that reported their health but never backed up are the viewer's too. One that
	// backs up is its backups' owner's alone, whoever the health monitor last heard
	// report for it: its row would let its retention be changed.
	for i := range h.PCs {
		if !slices.ContainsFunc(all, func(p admin.BackupPC) bool { return strings.EqualFold(p.Name, h.PCs[i].Name) }) {
			out = append(out, computerRow{BackupPC: admin.BackupPC{PC: backupstore.PC{Name: h.PCs[i].Name, Owner: h.PCs[i].Owner}}, Health: &h.PCs[i]})
		}
	}
	return out, nil
}

func (c *Console) computers(w http.ResponseWriter, r *http.Request) {
	rows, err := c.pcs(r)
	if err != nil {
		c.unreadable(w, r, "the computers' backups", err)
		return
	}
	c.render(w, r, "computers", "Computers", rows)
}

type computerData struct {
	computerRow
	Backups []backupRow
	Deleted []backupstore.DeletedSnapshot
	Keep    backup.Policy
	// MayChange: pinning and retention (the owner signed in with their password, or an
	// administrator); MayDelete: deleting and bringing back backups (administrators).
	MayChange, MayDelete bool
}

type backupRow struct {
	backupstore.SnapshotInfo
	Folder string // its folder in the browse view (backup.FolderName)
	Pinned bool
}

// findPC returns the PC named in the path if pr may see it.
func (c *Console) findPC(w http.ResponseWriter, r *http.Request) (computerRow, bool) {
	rows, err := c.pcs(r)
	if err != nil {
		c.unreadable(w, r, "the computers' backups", err)
		return computerRow{}, false
	}
	for _, row := range rows {
		if strings.EqualFold(row.Name, r.PathValue("pc")) {
			return row, true
		}
	}
	c.sorry(w, r, http.StatusNotFound, "There is no computer of that name that you may see.")
	return computerRow{}, false
}

func (c *Console) computer(w http.ResponseWriter, r *http.Request) {
	row, ok := c.findPC(w, r)
	if !ok {
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	d := computerData{computerRow: row, Keep: row.Keep, MayChange: pr.Admin || !pr.ByToken, MayDelete: pr.Admin}
	for _, s := range slices.Backward(row.Snapshots) {
		d.Backups = append(d.Backups, backupRow{SnapshotInfo: s, Folder: backup.FolderName(s.Time), Pinned: slices.Contains(row.Pinned, s.ID)})
	}
	if pr.Admin {
		d.Deleted = row.Deleted
	}
	c.render(w, r, "computer", row.Name, d)
}

// backupAction keeps (pins), lets go of (unpins), deletes or brings back one backup.
func (c *Console) backupAction(w http.ResponseWriter, r *http.Request) {
	row, ok := c.findPC(w, r)
	if !ok {
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	back := "/computers/" + url.PathEscape(row.Name)
	svc, ctx, id := c.opt.Service, r.Context(), r.PathValue("id")
	var err error
	var msg string
	switch act := r.PathValue("act"); {
	case (act == "pin" || act == "unpin") && (pr.Admin || !pr.ByToken):
		_, err = svc.BackupPin(ctx, row.Name, id, act == "pin")
		msg = "The backup is kept until you let it go."
		if act == "unpin" {
			msg = "The backup is kept as long as the retention rule says."
		}
	case act == "delete" && pr.Admin:
		_, err = svc.BackupDelete(ctx, row.Name, id)
		msg = "The backup was deleted. You can bring it back for a week, from the list of deleted backups below."
	case act == "undelete" && pr.Admin:
		_, err = svc.BackupUndelete(ctx, row.Name, id)
		msg = "The backup is back, and kept until you let it go."
	default:
		c.sorry(w, r, http.StatusForbidden, "Only an administrator may do that.")
		return
	}
	c.done(w, r, back, err, msg)
}

// keep sets how many backups of the PC are kept.
func (c *Console) keep(w http.ResponseWriter, r *http.Request) {
	row, ok := c.findPC(w, r)
	if !ok {
		return
	}
	if pr, _ := auth.PrincipalOf(r.Context()); !pr.Admin && pr.ByToken {
		c.sorry(w, r, http.StatusForbidden, "Sign in with your password to change how many backups are kept.")
		return
	}
	var p backup.Policy
	for _, f := range []struct {
		name string
		to   *int
	}{{"last", &p.Last}, {"daily", &p.Daily}, {"weekly", &p.Weekly}, {"monthly", &p.Monthly}} {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(f.name)))
		if err != nil || n < 0 || n > 1000 {
			setFlash(w, true, "Each number of backups to keep is a whole number from 0 to 1000.")
			http.Redirect(w, r, "/computers/"+url.PathEscape(row.Name), http.StatusSeeOther)
			return
		}
		*f.to = n
	}
	if p.Last+p.Daily+p.Weekly+p.Monthly == 0 {
		setFlash(w, true, "Keep at least one backup: every number is 0.")
		http.Redirect(w, r, "/computers/"+url.PathEscape(row.Name), http.StatusSeeOther)
		return
	}
	err := c.opt.Service.BackupKeep(r.Context(), row.Name, p)
	c.done(w, r, "/computers/"+url.PathEscape(row.Name), err, "The new rule is kept; the nightly cleanup applies it.")
}

// cleanup runs the nightly cleanup now.
func (c *Console) cleanup(w http.ResponseWriter, r *http.Request) {
	rep, err := c.opt.Service.BackupGC(r.Context())
	msg := ""
	if err == nil {
		msg = "Cleanup done: " + cleanupWords(rep) + "."
	}
	c.done(w, r, "/computers", err, msg)
}
