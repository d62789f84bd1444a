package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/disks"
	"github.com/hearth-home/hearth/server/pool"
)

func (c *Console) storageRoutes() {
	c.mux.HandleFunc("GET /storage", c.adminOnly(c.storage))
	c.mux.HandleFunc("POST /storage/drives", c.adminOnly(c.addDrive))
	c.mux.HandleFunc("POST /storage/drives/{label}/remove", c.adminOnly(c.removeDrive))
	c.mux.HandleFunc("POST /storage/scrub", c.adminOnly(c.scrub))
	c.mux.HandleFunc("POST /storage/repair", c.adminOnly(c.repair))
}

type storageData struct {
	Status     pool.Status
	Drives     []driveRow
	Jobs       []jobRow
	Running    bool // a job runs: the page follows it
	Candidates disks.Candidates
}

type driveRow struct {
	pool.DriveInfo
	Health *schema.DriveInfo
}

// jobRow is a scrub, repair or drive removal, running or lately finished.
type jobRow struct {
	admin.Job
	What    string // "Checking every copy", "Removing Drive 2"
	Percent string // "" when not known
	Remains string // "about 5 minutes left", "" when not known
}

func (c *Console) storage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st, err := c.opt.Service.Status(ctx)
	var jobs []admin.Job
	if err == nil {
		jobs, err = c.opt.Service.Jobs(ctx)
	}
	if err != nil {
		c.unreadable(w, r, "its drives", err)
		return
	}
	pr, _ := auth.PrincipalOf(ctx)
	h := c.opt.Monitor.Health(viewer(pr))
	d := storageData{Status: st}
	for _, dr := range st.Drives {
		row := driveRow{DriveInfo: dr}
		for i := range h.Drives {
			if h.Drives[i].Label == dr.Label {
				row.Health = &h.Drives[i]
			}
		}
		d.Drives = append(d.Drives, row)
	}
	for i, j := range jobs {
		if i >= 5 && j.State != admin.JobRunning {
			continue // the latest few are enough
		}
		d.Jobs = append(d.Jobs, jobWords(j))
		d.Running = d.Running || j.State == admin.JobRunning
	}
	if d.Candidates, err = c.opt.Service.DriveCandidates(ctx); err != nil {
		c.opt.Log.Warn("looking for disks to add failed", "err", err)
	}
	c.render(w, r, "storage", "Storage", d)
}

func jobWords(j admin.Job) jobRow {
	row := jobRow{Job: j}
	switch j.Kind {
	case admin.JobScrub:
		row.What = "Checking every copy"
	case admin.JobRepair:
		row.What = "Repairing the pool"
	case admin.JobRemoveDrive:
		row.What = "Removing " + j.Subject
	default:
		row.What = string(j.Kind)
	}
	switch {
	case j.BytesTotal > 0:
		row.Percent = fmt.Sprintf("%d", min(100, 100*j.BytesDone/j.BytesTotal))
	case j.FilesTotal > 0:
		row.Percent = fmt.Sprintf("%d", min(100, 100*j.FilesDone/j.FilesTotal))
	}
	if j.State == admin.JobRunning && j.Left > 0 {
		row.Remains = "about " + duration(j.Left) + " left"
	}
	return row
}

// duration is a span of time as a person says it: "a minute", "5 minutes", "2 hours".
func duration(d time.Duration) string {
	switch {
	case d < 90*time.Second:
		return "a minute"
	case d < 90*time.Minute:
		return fmt.Sprintf("%d minutes", int(d.Round(time.Minute).Minutes()))
	case d < 36*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Round(time.Hour).Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Round(24*time.Hour).Hours()/24))
}

func (c *Console) addDrive(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSpace(r.PostFormValue("path"))
	if path == "" {
		setFlash(w, true, "Choose the folder where the drive is mounted.")
		http.Redirect(w, r, "/storage", http.StatusSeeOther)
		return
	}
	d, err := c.opt.Service.AddDrive(r.Context(), path, strings.TrimSpace(r.PostFormValue("label")))
	msg := "The drive " + d.Label + " is in the pool now; new files go to it, and shared folders with two copies use it for their second copies."
	if len(d.Warnings) > 0 {
		msg += " " + strings.Join(d.Warnings, " ")
	}
	c.done(w, r, "/storage", err, msg)
}

// removeDrive moves a drive's files off and removes it, in the background: it may take
// hours, and Storage follows it.
func (c *Console) removeDrive(w http.ResponseWriter, r *http.Request) {
	label := r.PathValue("label")
	_, err := c.opt.Service.StartRemoveDrive(r.Context(), label, pool.RemoveOptions{Force: r.PostFormValue("force") == "on"})
	c.done(w, r, "/storage", err, "The server is moving the files off "+label+". This page shows how far it is; unplug the drive only when it has left the list.")
}

func (c *Console) scrub(w http.ResponseWriter, r *http.Request) {
	_, err := c.opt.Service.StartScrub(r.Context())
	c.done(w, r, "/storage", err, "The server is checking every copy of every file. A damaged copy is rewritten from a good one.")
}

func (c *Console) repair(w http.ResponseWriter, r *http.Request) {
	_, err := c.opt.Service.StartRepair(r.Context())
	c.done(w, r, "/storage", err, "The server is repairing the pool: it makes missing second copies and compares the drives with its index.")
}
