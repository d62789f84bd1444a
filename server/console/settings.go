package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/settings"
)

type settingsData struct {
	Info admin.ServerInfo
	settings.Settings
	Zones []string
}

// zones are offered as the time zone is typed; any other the server knows is taken too.
var zones = []string{"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin", "Europe/Madrid",
	"Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens", "Europe/Helsinki",
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto", "America/Sao_Paulo",
	"Asia/Tokyo", "Asia/Shanghai", "Asia/Kolkata", "Asia/Singapore", "Australia/Sydney", "Pacific/Auckland", "Africa/Johannesburg", "UTC"}

func (c *Console) settingsRoutes() {
	c.mux.HandleFunc("GET /settings", c.adminOnly(c.settings))
	c.mux.HandleFunc("POST /settings", c.adminOnly(c.saveSettings))
	c.mux.HandleFunc("POST /settings/restart", c.adminOnly(c.restart))
	c.mux.HandleFunc("POST /settings/shutdown", c.adminOnly(c.shutdown))
}

func (c *Console) settings(w http.ResponseWriter, r *http.Request) {
	info, err := c.opt.Service.Server(r.Context())
	var set settings.Settings
	if err == nil {
		set, err = c.opt.Service.Settings(r.Context())
	}
	if err != nil {
		c.unreadable(w, r, "its settings", err)
		return
	}
	info.SetupURL = "" // never shown: it would make its reader an administrator
	c.render(w, r, "settings", "Settings", settingsData{Info: info, Settings: set, Zones: zones})
}

func (c *Console) saveSettings(w http.ResponseWriter, r *http.Request) {
	set, err := c.opt.Service.Settings(r.Context())
	if err != nil {
		c.done(w, r, "/settings", err, "")
		return
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	set.ServerName, set.TimeZone, set.Metrics = f("name"), f("zone"), f("metrics")
	set.BackupWindow = settings.Window{Start: f("window-start"), End: f("window-end")}
	for _, k := range []struct {
		name string
		to   *int
	}{{"last", &set.DefaultKeep.Last}, {"daily", &set.DefaultKeep.Daily}, {"weekly", &set.DefaultKeep.Weekly}, {"monthly", &set.DefaultKeep.Monthly}} {
		n, err := strconv.Atoi(f(k.name))
		if err != nil {
			n = -1 // refused by the check, with its words
		}
		*k.to = n
	}
	if k := set.DefaultKeep; k.Last+k.Daily+k.Weekly+k.Monthly == 0 {
		setFlash(w, true, "Keep at least one backup of each PC: every number is 0, which would let every backup go.")
		http.Redirect(w, r, "/settings", http.StatusSeeOther)
		return
	}
	_, err = c.opt.Service.SetSettings(r.Context(), set)
	c.done(w, r, "/settings", err, "The settings are saved and hold from now on.")
}

func (c *Console) restart(w http.ResponseWriter, r *http.Request) {
	err := c.opt.Service.Restart(r.Context())
	c.done(w, r, "/settings", err, "The server is starting again. This page comes back in a minute; reload it then.")
}

func (c *Console) shutdown(w http.ResponseWriter, r *http.Request) {
	err := c.opt.Service.Shutdown(r.Context())
	if err != nil {
		c.done(w, r, "/settings", err, "")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	c.render(w, r, "sorry", "Shut down", "The server has shut down. It starts again when the box is switched on again.")
}
