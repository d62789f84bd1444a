package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
)

// The console's pages (Options.Pages) are signed in to with a form at /signin, which
// makes a session; its cookie then opens every page and the API. The guard is the same
// one Basic sign-ins go through.
const (
	SignInPath  = "/signin"
	SignOutPath = "/signout"
	StaticPath  = "/static/"
)

type signInKey struct{}

// SignInProblem is why the sign-in form just posted was refused, in words for the page,
// or "" when it was not posted or not refused.
func SignInProblem(ctx context.Context) string {
	m, _ := ctx.Value(signInKey{}).(string)
	return m
}

// pages serves the console: /signin and /static/ for anyone, the rest for a session.
func (s *Server) pages(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, StaticPath):
		s.opt.Pages.ServeHTTP(w, r)
	case p == SignInPath && r.Method == http.MethodPost:
		s.signIn(w, r)
	case p == SignInPath:
		if u, _, ok := s.fromSession(r); ok && !u.ByToken {
			http.Redirect(w, r, nextPage(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
		s.opt.Pages.ServeHTTP(w, r)
	default:
		u, x, ok := s.fromSession(r)
		// A session a device token made (the API's POST /api/v1/session) is for what
		// that device needs, never the console's pages: a stolen PC's key must not
		// manage the server even when its owner is an administrator.
		if !ok || u.ByToken {
			if safeMethod(r.Method) {
				http.Redirect(w, r, SignInPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.refusePage(w, r, http.StatusUnauthorized, "You are signed out. Sign in again, then do it again.")
			return
		}
		if !safeMethod(r.Method) && !csrfOK(r, x.csrf) {
			s.refusePage(w, r, http.StatusForbidden, "This form is out of date: the page was open before you signed in again. Go back, reload the page and try again.")
			return
		}
		// Only the sign-out form's POST signs out: a GET (a link, an image, a prefetch)
		// changes nothing, as no GET does.
		if p == SignOutPath && r.Method == http.MethodPost {
			s.endSession(w, r)
			http.Redirect(w, r, SignInPath, http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), csrfKey{}, x.csrf))
		s.serveAs(w, r, u, Authenticated(s.opt.Pages))
	}
}

// csrfOK reports whether an unsafe request carries the session's CSRF token. The token
// is checked besides SameSite and the Origin check (crossSite): together they hold even
// for a browser that sends neither Origin nor Sec-Fetch-Site.
func csrfOK(r *http.Request, want string) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
		got = r.PostFormValue("csrf")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// signIn checks the sign-in form and makes a session, or shows the form again with why
// not.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	name := strings.TrimSpace(r.PostFormValue("name"))
	password := r.PostFormValue("password")
	msg, code := "Please give your user name and password.", http.StatusBadRequest
	if name != "" && password != "" {
		u, d := s.check(r.Context(), source(r.RemoteAddr), name, password)
		if d == nil {
			s.startSession(w, r, u)
			http.Redirect(w, r, nextPage(r.PostFormValue("next")), http.StatusSeeOther)
			return
		}
		if d.code == 0 {
			return // the browser went away
		}
		msg, code = d.msg, d.code
	}
	w.WriteHeader(code)
	r = r.WithContext(context.WithValue(r.Context(), signInKey{}, msg))
	r.Method = http.MethodGet // the page shows the form again
	s.opt.Pages.ServeHTTP(&keepStatus{ResponseWriter: w}, r)
}

type refusalKey struct{}

// Refusal is why the web layer turned a page's request away, for the page that says so
// ("" when it did not).
func Refusal(ctx context.Context) string {
	m, _ := ctx.Value(refusalKey{}).(string)
	return m
}

// refusePage answers with the console's page that says msg, under status.
func (s *Server) refusePage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.WriteHeader(status)
	r = r.WithContext(context.WithValue(r.Context(), refusalKey{}, msg))
	r.Method = http.MethodGet
	s.opt.Pages.ServeHTTP(&keepStatus{ResponseWriter: w}, r)
}

// keepStatus drops the page's own status: the sign-in's was written already.
type keepStatus struct{ http.ResponseWriter }

func (k *keepStatus) WriteHeader(int) {}

// nextPage is where a sign-in goes on to: a page of this server, never another site. A
// backslash anywhere in the path is refused, not only at its start: the redirect tidies
// "/users/../\evil.example" into "/\evil.example", which a browser reads as
// "//evil.example".
func nextPage(next string) string {
	p, _, _ := strings.Cut(next, "?")
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(p, "\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	return next
}
