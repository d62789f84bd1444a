package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
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
	Status pool.Status
	Drives []driveRow
}

type driveRow struct {
	pool.DriveInfo
	Health *schema.DriveInfo
}

func (c *Console) storage(w http.ResponseWriter, r *http.Request) {
	st, err := c.opt.Service.Status(r.Context())
	if err != nil {
		c.opt.Log.Warn("reading the pool failed", "err", err)
		c.sorry(w, r, http.StatusInternalServerError, "The server could not read its drives just now. Please try again.")
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
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
	c.render(w, r, "storage", "Storage", d)
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
// hours. The drive says "removing" until it is done.
func (c *Console) removeDrive(w http.ResponseWriter, r *http.Request) {
	label := r.PathValue("label")
	force := r.PostFormValue("force") == "on"
	c.background("drive removal", func(ctx context.Context) error {
		_, err := c.opt.Service.RemoveDrive(ctx, label, pool.RemoveOptions{Force: force})
		return err
	})
	c.done(w, r, "/storage", nil, "The server is moving the files off "+label+". It stays in the list as removing until it is done; then it can be unplugged.")
}

func (c *Console) scrub(w http.ResponseWriter, r *http.Request) {
	c.background("scrub", func(ctx context.Context) error { _, err := c.opt.Service.Scrub(ctx); return err })
	c.done(w, r, "/storage", nil, "The server is checking every copy of every file now. A damaged copy is rewritten from a good one; Events tells what it found.")
}

func (c *Console) repair(w http.ResponseWriter, r *http.Request) {
	c.background("repair", func(ctx context.Context) error { _, err := c.opt.Service.Repair(ctx); return err })
	c.done(w, r, "/storage", nil, "The server is repairing the pool now: it makes missing second copies and compares the drives with its index.")
}

// background runs long work on the server's own context, not the request's.
func (c *Console) background(what string, fn func(ctx context.Context) error) {
	go func() {
		if err := fn(c.opt.Background); err != nil {
			c.opt.Log.Warn("work started from the console failed", "work", what, "err", err)
		}
	}()
}
