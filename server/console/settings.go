package console

import (
	"net/http"

	"github.com/hearth-home/hearth/server/admin"
)

type settingsData struct {
	Info admin.ServerInfo
}

func (c *Console) settings(w http.ResponseWriter, r *http.Request) {
	info, err := c.opt.Service.Server(r.Context())
	if err != nil {
		c.opt.Log.Warn("reading the server's information failed", "err", err)
		c.sorry(w, r, http.StatusInternalServerError, "The server could not read its settings just now. Please try again.")
		return
	}
	info.SetupURL = "" // never shown: it would make its reader an administrator
	c.render(w, r, "settings", "Settings", settingsData{Info: info})
}
