package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/web"
)

func (c *Console) adminRoutes() {
	c.mux.HandleFunc("GET /users", c.adminOnly(c.users))
	c.mux.HandleFunc("POST /users", c.adminOnly(c.addUser))
	c.mux.HandleFunc("GET /users/{name}", c.adminOnly(c.user))
	c.mux.HandleFunc("POST /users/{name}/password", c.adminOnly(c.setPassword))
	c.mux.HandleFunc("POST /users/{name}/admin", c.adminOnly(c.setAdmin))
	c.mux.HandleFunc("POST /users/{name}/remove", c.adminOnly(c.removeUser))
	c.mux.HandleFunc("POST /users/{name}/devices/{id}/remove", c.adminOnly(c.removeDevice))
	c.mux.HandleFunc("POST /sessions/{id}/end", c.adminOnly(c.endSession))
	c.shareRoutes()
	c.storageRoutes()
	c.serverBackupRoutes()
	c.mux.HandleFunc("GET /events", c.adminOnly(c.events))
	c.settingsRoutes()
}

type usersData struct {
	Users    []userRow
	Sessions []web.SessionInfo
}

type userRow struct {
	auth.User
	Devices int
}

func (c *Console) users(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	us, err := c.opt.Service.Users(ctx)
	var ds []auth.Device
	if err == nil {
		ds, err = c.opt.Service.Devices(ctx)
	}
	if err != nil {
		c.unreadable(w, r, "its users", err)
		return
	}
	d := usersData{Sessions: c.opt.Sessions.List()}
	for _, u := range us {
		n := 0
		for _, dv := range ds {
			if strings.EqualFold(dv.User, u.Name) {
				n++
			}
		}
		d.Users = append(d.Users, userRow{User: u, Devices: n})
	}
	c.render(w, r, "users", "Users", d)
}

func (c *Console) addUser(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if r.PostFormValue("password") != r.PostFormValue("again") {
		setFlash(w, true, "The two passwords differ. Type the same password twice.")
		http.Redirect(w, r, "/users", http.StatusSeeOther)
		return
	}
	u, err := c.opt.Service.AddUser(r.Context(), name, r.PostFormValue("password"), r.PostFormValue("admin") == "on")
	if err != nil {
		c.done(w, r, "/users", err, "")
		return
	}
	c.done(w, r, "/users/"+url.PathEscape(u.Name), nil, u.Name+" can sign in now, and has a shared folder of their own named "+u.Name+".")
}

type userData struct {
	auth.User
	Self     bool
	Devices  []auth.Device
	Sessions []web.SessionInfo
	Access   []accessRow
}

type accessRow struct{ Share, Level string }

// findUser returns the user named in the path.
func (c *Console) findUser(w http.ResponseWriter, r *http.Request) (auth.User, bool) {
	us, err := c.opt.Service.Users(r.Context())
	if err != nil {
		c.unreadable(w, r, "its users", err)
		return auth.User{}, false
	}
	i := slices.IndexFunc(us, func(u auth.User) bool { return strings.EqualFold(u.Name, r.PathValue("name")) })
	if i < 0 {
		c.sorry(w, r, http.StatusNotFound, "There is no such user. Go to Users to see who there is.")
		return auth.User{}, false
	}
	return us[i], true
}

func (c *Console) user(w http.ResponseWriter, r *http.Request) {
	u, ok := c.findUser(w, r)
	if !ok {
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	d := userData{User: u, Self: strings.EqualFold(pr.Name, u.Name)}
	ds, err := c.opt.Service.Devices(r.Context())
	var access []accessRow
	if err == nil {
		var all []adminAccess
		all, err = c.access(r)
		for _, a := range all {
			if strings.EqualFold(a.User, u.Name) {
				access = append(access, accessRow{Share: a.Share, Level: a.Level})
			}
		}
	}
	if err != nil {
		c.unreadable(w, r, "this user", err)
		return
	}
	for _, dv := range ds {
		if strings.EqualFold(dv.User, u.Name) {
			d.Devices = append(d.Devices, dv)
		}
	}
	for _, s := range c.opt.Sessions.List() {
		if strings.EqualFold(s.User, u.Name) {
			d.Sessions = append(d.Sessions, s)
		}
	}
	d.Access = access
	c.render(w, r, "user", u.Name, d)
}

func (c *Console) setPassword(w http.ResponseWriter, r *http.Request) {
	u, ok := c.findUser(w, r)
	if !ok {
		return
	}
	back := "/users/" + url.PathEscape(u.Name)
	if r.PostFormValue("password") != r.PostFormValue("again") {
		setFlash(w, true, "The two passwords differ. Type the same password twice.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	err := c.opt.Service.SetPassword(r.Context(), u.Name, r.PostFormValue("password"))
	c.done(w, r, back, err, "The password is changed. "+u.Name+"'s browsers were signed out; their PCs stay joined.")
}

func (c *Console) setAdmin(w http.ResponseWriter, r *http.Request) {
	u, ok := c.findUser(w, r)
	if !ok {
		return
	}
	on := r.PostFormValue("admin") == "yes"
	err := c.opt.Service.SetAdmin(r.Context(), u.Name, on)
	msg := u.Name + " is an administrator now, with full access to every shared folder."
	if !on {
		msg = u.Name + " is no longer an administrator. Their access to the shared folders stays as it was; change it under Shared folders."
	}
	c.done(w, r, "/users/"+url.PathEscape(u.Name), err, msg)
}

func (c *Console) removeUser(w http.ResponseWriter, r *http.Request) {
	u, ok := c.findUser(w, r)
	if !ok {
		return
	}
	if err := c.opt.Service.RemoveUser(r.Context(), u.Name); err != nil {
		c.done(w, r, "/users/"+url.PathEscape(u.Name), err, "")
		return
	}
	c.done(w, r, "/users", nil, u.Name+" was removed, with their devices. Their own shared folder "+u.Name+
		" stays, with its files, and no one can open it until you give someone access under Shared folders (or remove it there).")
}

func (c *Console) removeDevice(w http.ResponseWriter, r *http.Request) {
	u, ok := c.findUser(w, r)
	if !ok {
		return
	}
	ds, err := c.opt.Service.Devices(r.Context())
	if err == nil && !slices.ContainsFunc(ds, func(d auth.Device) bool { return d.ID == r.PathValue("id") && strings.EqualFold(d.User, u.Name) }) {
		err = auth.ErrNoDevice // another's device: the page named the wrong one
	}
	if err == nil {
		err = c.opt.Service.RemoveDevice(r.Context(), r.PathValue("id"))
	}
	c.done(w, r, "/users/"+url.PathEscape(u.Name), err, "The device was removed: it can no longer reach the server until it joins again. Its backups stay.")
}

func (c *Console) endSession(w http.ResponseWriter, r *http.Request) {
	back := "/users"
	if u := r.PostFormValue("user"); u != "" {
		back = "/users/" + url.PathEscape(u)
	}
	msg := "That browser was signed out."
	if !c.opt.Sessions.End(r.PathValue("id")) {
		msg = "That browser had signed out already."
	}
	c.done(w, r, back, nil, msg)
}
