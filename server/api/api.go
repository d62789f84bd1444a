// Package api is hearthd's JSON API at /api/v1/ (but for /api/v1/backup/ and
// /api/v1/health, in backupapi and healthapi), for the connector, the tray and the web
// console. The caller is signed in by the web layer; what it may see follows its share
// access, and the administrators' calls refuse everyone else. Every failure is answered
// in one shape (package problem).
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/route"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/links"
	"github.com/hearth-home/hearth/server/pool"
)

// The JSON shapes, in their own package so the connector can use them.
type (
	Share  = schema.Share
	Me     = schema.Me
	Server = schema.Server
	Device = schema.Device
)

// Admin is what the administrators' calls do: the operations the hearthd commands use
// (admin.Local has them all), named here so this package need not import the one that
// serves the commands.
type Admin interface {
	Users(ctx context.Context) ([]auth.User, error)
	AddUser(ctx context.Context, name, password string, admin bool) (auth.User, error)
	RemoveUser(ctx context.Context, name string) error
	SetPassword(ctx context.Context, name, password string) error
	SetAdmin(ctx context.Context, name string, admin bool) error
	Shares(ctx context.Context) ([]pool.ShareInfo, error)
	CreateShare(ctx context.Context, name string, copies int, description string) (pool.ShareInfo, error)
	SetShare(ctx context.Context, name string, set pool.ShareSettings) (pool.ShareInfo, error)
	Access(ctx context.Context) ([]schema.AccessEntry, error)
	SetAccess(ctx context.Context, share, user, level string) error
	Drives(ctx context.Context) ([]pool.DriveInfo, error)
	AddDrive(ctx context.Context, path, label string) (pool.DriveInfo, error)
	Status(ctx context.Context) (pool.Status, error)
	Server(ctx context.Context) (schema.ServerInfo, error)
}

// Options wire the handler.
type Options struct {
	Pool     *pool.Pool
	Accounts *auth.Accounts
	Backups  *backupstore.Store // asked whether a joining PC's name is free
	Admin    Admin
	Manage   Manager
	// JoinCodes are the codes PCs join with (POST /api/v1/joincodes makes one).
	JoinCodes *auth.JoinCodes
	// Links makes, lists and revokes sharing links.
	Links *links.Service
	// Events reads the newest limit events of the catalog's log, newest first.
	Events func(ctx context.Context, limit int) ([]catalog.Event, error)
	// Log gets the causes of failures, which the caller is told in plain words.
	Log *slog.Logger
}

type handler struct {
	Options
}

// New returns the API handler.
func New(opt Options) http.Handler {
	return route.Mux(routes(&handler{Options: opt}))
}

// Routes lists the calls New serves, as "METHOD /path" patterns.
func Routes() []string { return route.Patterns(routes(&handler{})) }

// Who may make a call. Signed-in is checked by the web layer before the API runs.
type perm int

const (
	// anyone signed in: a password, a session or a device token.
	anyone perm = iota
	// password: signed in with a password (or a session made with one), not a device
	// token; a token may be stolen with its device.
	password
	// adminOnly: an administrator signed in with a password. A device token does only
	// what its device needs, even an administrator's.
	adminOnly
)

func routes(h *handler) []route.Route {
	r := func(method, path string, p perm, fn http.HandlerFunc) route.Route {
		return route.Route{Method: method, Path: path, Handler: guard(p, fn)}
	}
	return []route.Route{
		r("GET", "/api/v1/me", anyone, h.me),
		r("GET", "/api/v1/server", anyone, h.server),
		r("GET", "/api/v1/openapi.json", anyone, openAPI),
		r("POST", "/api/v1/devices", password, h.join),
		r("GET", "/api/v1/devices", anyone, h.devices),
		// A code stands for a password: made only with one.
		r("POST", "/api/v1/joincodes", password, h.makeJoinCode),
		r("DELETE", "/api/v1/devices/{id}", anyone, h.removeDevice),
		// A link hands files to people without an account: made only with a password
		// (a stolen device must not give the family's files away), ended with anything.
		r("POST", "/api/v1/links", password, h.addLink),
		r("GET", "/api/v1/links", anyone, h.links),
		r("DELETE", "/api/v1/links/{id}", anyone, h.removeLink),
		r("GET", "/api/v1/files/search", anyone, h.search),

		r("GET", "/api/v1/users", adminOnly, h.users),
		r("POST", "/api/v1/users", adminOnly, h.addUser),
		r("DELETE", "/api/v1/users/{name}", adminOnly, h.removeUser),
		r("PUT", "/api/v1/users/{name}/password", adminOnly, h.setPassword),
		r("PUT", "/api/v1/users/{name}/admin", adminOnly, h.setAdmin),
		r("GET", "/api/v1/shares", adminOnly, h.shares),
		r("POST", "/api/v1/shares", adminOnly, h.addShare),
		r("PATCH", "/api/v1/shares/{name}", adminOnly, h.setShare),
		r("GET", "/api/v1/access", adminOnly, h.access),
		r("PUT", "/api/v1/shares/{share}/access/{user}", adminOnly, h.setAccess),
		r("GET", "/api/v1/drives", adminOnly, h.drives),
		r("POST", "/api/v1/drives", adminOnly, h.addDrive),
		r("DELETE", "/api/v1/drives/{label}", adminOnly, h.removeDrive),
		r("GET", "/api/v1/pool", adminOnly, h.status),
		r("POST", "/api/v1/pool/scrub", adminOnly, h.scrub),
		r("POST", "/api/v1/pool/repair", adminOnly, h.repair),
		r("GET", "/api/v1/events", adminOnly, h.events),
		r("GET", "/api/v1/jobs", adminOnly, h.jobs),
		r("GET", "/api/v1/disks", adminOnly, h.candidates),
		r("DELETE", "/api/v1/shares/{name}", adminOnly, h.removeShare),
		r("GET", "/api/v1/removed-shares", adminOnly, h.removedShares),
		r("POST", "/api/v1/removed-shares/{name}/restore", adminOnly, h.restoreShare),
		r("DELETE", "/api/v1/removed-shares/{name}", adminOnly, h.purgeShare),
		r("GET", "/api/v1/settings", adminOnly, h.settings),
		r("PUT", "/api/v1/settings", adminOnly, h.setSettings),
		r("POST", "/api/v1/server/restart", adminOnly, h.restart),
		r("POST", "/api/v1/server/shutdown", adminOnly, h.shutdown),
	}
}

// guard refuses a call to those its permission leaves out.
func guard(p perm, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pr, ok := auth.PrincipalOf(r.Context())
		switch {
		case !ok:
			// The web layer signs everyone in first; a request without a principal is
			// a wiring fault, refused rather than served as nobody.
			problem.Reply(w, http.StatusUnauthorized, "sign_in", "Please sign in with your Hearth user name and password.")
		case p >= password && pr.ByToken:
			problem.Reply(w, http.StatusForbidden, "password_needed", "This device's own sign-in cannot do that. Sign in with your password.")
		case p == adminOnly && !pr.Admin:
			problem.Reply(w, http.StatusForbidden, problem.CodeAdminOnly, "Only an administrator can do that. Ask one of the family's administrators.")
		default:
			next(w, r)
		}
	}
}

func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	problem.Fail(w, r, h.Log, err)
}

// decode reads a JSON body into v, answering 400 with example when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(v)
	if err == nil {
		return true
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		problem.Reply(w, http.StatusRequestEntityTooLarge, "too_large", "The request is larger than the server accepts.")
		return false
	}
	problem.BadRequest(w, "Send the request as JSON, such as "+example+".")
	return false
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// join: a PC joins. It signs in with the user's password and gets a token of its own.
func (h *handler) join(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	var req schema.NewDevice
	if !decode(w, r, &req, `{"name": "Mum's laptop"}`) {
		return
	}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > 200 {
		problem.BadRequest(w, "Send the device's name, such as {\"name\": \"Mum's laptop\"}.")
		return
	}
	// The connector backs up under the name it joins with, so the token acts for the PC
	// of that name alone; a name that cannot name backups acts for none.
	pc := ""
	var held []auth.PCHolder
	if backup.CheckPCName(name) == nil {
		pc = name
		var err error
		if held, err = h.Backups.Holders(r.Context(), pc); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	// Whether the name is free is decided with the devices in one transaction, so two
	// PCs joining at once under one name cannot both have it.
	d, token, err := h.Accounts.NewDevice(r.Context(), pr.Name, name, pc, held)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, Device{ID: d.ID, User: d.User, Name: d.Name, Created: d.Created, Token: token})
}

// makeJoinCode makes a code with which one PC joins as the caller, or as another user
// an administrator names: typed into the connector, it stands for the server's
// fingerprint and the password (see internal/joincode and web.JoinPath).
func (h *handler) makeJoinCode(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	var req schema.NewJoinCode
	if r.ContentLength != 0 && !decode(w, r, &req, `{"user": "kid"}`) {
		return
	}
	name := pr.Name
	if req.User != "" && !strings.EqualFold(req.User, pr.Name) {
		if !pr.Admin {
			problem.Reply(w, http.StatusForbidden, problem.CodeAdminOnly, "Only an administrator can make a join code for someone else.")
			return
		}
		name = req.User
	}
	u, err := h.Accounts.Lookup(r.Context(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	info, err := h.Admin.Server(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, expires, err := h.JoinCodes.Make(u, info.CAFingerprint)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusCreated, schema.JoinCode{Code: c.String(), User: u.Name, Expires: expires})
}

// devices: users see their own devices; administrators see all.
func (h *handler) devices(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	ds, err := h.Accounts.Devices(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []Device{}
	for _, d := range ds {
		if pr.Admin || strings.EqualFold(d.User, pr.Name) {
			out = append(out, Device{ID: d.ID, User: d.User, Name: d.Name, Created: d.Created})
		}
	}
	reply(w, http.StatusOK, out)
}

func (h *handler) removeDevice(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	ds, err := h.Accounts.Devices(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, d := range ds {
		if d.ID == r.PathValue("id") && (pr.Admin || strings.EqualFold(d.User, pr.Name)) {
			// A PC leaves with its own token ("hearth leave"); a stolen one must not cut
			// the family's other PCs off their backups.
			if pr.ByToken && (pr.PC == "" || d.PC != pr.PC) {
				problem.Forbidden(w, "This device may remove only itself. To remove another device, sign in with your password.")
				return
			}
			if err := h.Accounts.RemoveDevice(r.Context(), d.ID); err != nil {
				h.fail(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	h.fail(w, r, auth.ErrNoDevice)
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	shares, err := h.Pool.Shares(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	me := Me{Name: pr.Name, Admin: pr.Admin, Shares: []Share{}}
	for _, s := range shares {
		if s.Name == backupstore.Share {
			continue // its backups are under /api/v1/backup/ and read-only in the drive
		}
		if l := pr.Level(s.Name); l >= auth.Read {
			me.Shares = append(me.Shares, Share{Name: s.Name, Description: s.Description, Access: l.String(), Copies: s.Wanted})
		}
	}
	reply(w, http.StatusOK, me)
}

func (h *handler) server(w http.ResponseWriter, r *http.Request) {
	i, err := h.Admin.Server(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	reply(w, http.StatusOK, Server{Version: i.Version, Fingerprint: i.Fingerprint, CAFingerprint: i.CAFingerprint, DAV: i.URL})
}
