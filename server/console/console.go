// Package console is the web console: the pages a family's administrator runs the whole
// server from in any browser (Home, Computers, Users, Shared folders, Storage, Events,
// Settings), and those every family member sees (their Home and PCs, Get the connector).
//
// Pages are rendered on the server with html/template; forms post back to the page and
// are answered with a redirect (so a reload never repeats an action) and a one-time
// message. The scripts are files of static/ (the Content-Security-Policy allows no
// inline script): live.js refreshes a page's live part when the server's health
// changes, upload.js sends files, slideshow.js runs a folder's slideshow. server/web signs the browser in, checks each form's CSRF
// token and puts the user (auth.Principal) in the request before a page runs; pages
// never trust anything else about who is asking.
package console

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/links"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/thumbs"
	"github.com/hearth-home/hearth/server/web"
)

//go:embed templates static
var files embed.FS

// Options wire the console.
type Options struct {
	Service  admin.Service // what the pages do: the same calls the hearthd commands make
	Pool     *pool.Pool    // the files pages read and write the shares through it
	Monitor  *health.Monitor
	Backups  *backupstore.Store // browsing and downloading backups
	Sessions *web.Sessions
	// Connectors is a folder holding the connector's installers to offer for download
	// ("" or missing: the page says where to get them).
	Connectors string
	// Thumbs is the folder on the system disk where pictures' thumbnails are cached.
	Thumbs string
	// Events reads the event log (kind "" for all), Record adds to it.
	Events func(ctx context.Context, kind string, limit int) ([]catalog.Event, error)
	Record func(ctx context.Context, e catalog.Event)
	// JoinCodes make the codes a PC joins with (Get the connector).
	JoinCodes *auth.JoinCodes
	// Links are the sharing links the Sharing links page lists (nil: no such page).
	Links *links.Service
	Log   *slog.Logger
}

// Console is the pages' handler.
type Console struct {
	opt   Options
	pages map[string]*template.Template
	mux   *http.ServeMux
	zone  atomic.Pointer[time.Location] // the settings' time zone, for times on pages

	thumbs *thumbs.Cache // nil without Options.Thumbs
}

// New returns the console.
func New(opt Options) *Console {
	c := &Console{opt: opt, mux: http.NewServeMux()}
	if opt.Thumbs != "" { // two made at a time, whatever the page asks for
		c.thumbs = thumbs.New(opt.Thumbs, opt.Pool, 2, opt.Log)
	}
	c.zone.Store(time.Local)
	c.pages = parsePages(c.when)
	static, _ := fs.Sub(files, "static")
	c.mux.Handle("GET "+web.StaticPath, http.StripPrefix(web.StaticPath, staticFiles(static)))
	c.mux.HandleFunc("GET "+web.SignInPath, c.signIn)
	c.mux.HandleFunc("GET /{$}", c.home)
	c.mux.HandleFunc("GET /connector", c.connector)
	c.mux.HandleFunc("GET /connector/{file}", c.connectorFile)
	c.mux.HandleFunc("POST /connector/code", c.joinCode)
	c.computerRoutes()
	c.linkRoutes()
	c.fileRoutes()
	c.adminRoutes()
	// Any other address (a mistyped one, a GET of a form's action) gets a page in words,
	// not the mux's "404 page not found" or "Method Not Allowed".
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.sorry(w, r, http.StatusNotFound, "There is no such page. Use the menu to find what you were looking for.")
	})
	return c
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The pages load only their own style sheet and script, and are never framed.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	// What a signed-in person sees (pages, and their backups' files) stays out of the
	// browser's cache: the next person at a shared PC must not open it from there after
	// sign-out. The style sheet and script say otherwise (staticFiles).
	h.Set("Cache-Control", "no-store")
	if msg := web.Refusal(r.Context()); msg != "" {
		c.render(w, r, "sorry", "Sorry", msg) // the web layer set the status
		return
	}
	c.mux.ServeHTTP(w, r)
}

// adminOnly runs a page for administrators only; anyone else is told it is not theirs.
func (c *Console) adminOnly(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if pr, _ := auth.PrincipalOf(r.Context()); !pr.Admin {
			c.sorry(w, r, http.StatusForbidden, "This page is for the server's administrators.")
			return
		}
		fn(w, r)
	}
}

// page is what every page's template gets.
type page struct {
	Title  string
	Nav    string // which item of the menu is this page
	User   string
	Admin  bool
	CSRF   string
	Flash  *flash
	Server string // the server's name
	Undo   bool   // the last change on a Files page can be undone
	Here   string // this page's address, for forms that come back to it
	Data   any
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	pr, _ := auth.PrincipalOf(r.Context())
	p := page{Title: title, Nav: name, User: pr.Name, Admin: pr.Admin, CSRF: web.CSRF(r.Context()), Flash: takeFlash(w, r),
		Server: "Hearth", Data: data}
	_, p.Undo = readUndo(r)
	p.Here = r.URL.RequestURI()
	if set, err := c.opt.Service.Settings(r.Context()); err == nil {
		p.Server = cmp.Or(set.ServerName, p.Server)
		if loc, err := set.Location(); err == nil {
			c.zone.Store(loc)
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages[name].ExecuteTemplate(w, "base", p); err != nil {
		c.opt.Log.Error("a console page failed to render", "page", name, "err", err)
	}
}

// sorry answers with a page that says what went wrong.
func (c *Console) sorry(w http.ResponseWriter, r *http.Request, code int, msg string) {
	w.WriteHeader(code)
	c.render(&keepStatus{w}, r, "sorry", "Sorry", msg)
}

// unreadable answers a page whose facts the server could not read: what, in words
// ("its drives"), to the person; the cause to the log.
func (c *Console) unreadable(w http.ResponseWriter, r *http.Request, what string, err error) {
	c.opt.Log.Warn("a console page could not read what it shows", "page", r.URL.Path, "what", what, "err", err)
	c.sorry(w, r, http.StatusInternalServerError, "The server could not read "+what+" just now. Please try again.")
}

type keepStatus struct{ http.ResponseWriter }

func (k *keepStatus) WriteHeader(int) {}

// done answers a form: back to the page it came from (or to), with a message.
func (c *Console) done(w http.ResponseWriter, r *http.Request, to string, err error, ok string) {
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			c.opt.Log.Warn("a console action failed", "path", r.URL.Path, "err", err)
		}
		setFlash(w, true, Sentence(err))
	} else if ok != "" {
		setFlash(w, false, ok)
		if pr, _ := auth.PrincipalOf(r.Context()); pr.Admin && c.opt.Record != nil {
			c.opt.Record(context.WithoutCancel(r.Context()), catalog.Event{At: time.Now(), Kind: ChangeKind, Source: pr.Name, Text: ok})
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ChangeKind is the kind of event an administrator's change from the console records.
const ChangeKind = "change"

// A flash is the one-time message a page shows after a form: kept in a cookie for the
// redirect's next request, so a link cannot put words on a page. The cookie's name has
// the __Host- prefix, so a browser takes it only from this server over HTTPS: someone on
// the network answering for the server on plain HTTP cannot plant one ("Your drives
// are failing: call ...") to show on a page of Hearth's.
type flash struct {
	Error bool
	Text  string
}

const flashCookie = "__Host-hearth_flash"

func setFlash(w http.ResponseWriter, isErr bool, text string) {
	v := "ok:" + text
	if isErr {
		v = "error:" + text
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(v), Path: "/", MaxAge: 60,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	v, err := url.QueryUnescape(ck.Value)
	if err != nil {
		return nil
	}
	kind, text, ok := strings.Cut(v, ":")
	if !ok || text == "" {
		return nil
	}
	return &flash{Error: kind == "error", Text: text}
}

// staticFiles serves the style sheet and script, cached for an hour.
func staticFiles(fsys fs.FS) http.Handler {
	fh := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fh.ServeHTTP(w, r)
	})
}

// when is a time as a family reads it: "today at 14:05", "yesterday at 03:00",
// "Mon 30 Nov at 03:00", "12 Mar 2025".
func (c *Console) when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	loc := c.zone.Load()
	t = t.In(loc)
	now := time.Now().In(loc)
	y1, m1, d1 := now.Date()
	y2, m2, d2 := t.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return "today at " + t.Format("15:04")
	case now.AddDate(0, 0, -1).Format("20060102") == t.Format("20060102"):
		return "yesterday at " + t.Format("15:04")
	case now.Sub(t) < 6*24*time.Hour && now.Sub(t) > 0:
		return t.Format("Mon 2 Jan") + " at " + t.Format("15:04")
	case y1 == y2:
		return t.Format("2 Jan") + " at " + t.Format("15:04")
	}
	return t.Format("2 Jan 2006")
}
