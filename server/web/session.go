package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/auth"
)

// A session lets the web pages and the API go on without the password at each request.
// Sessions live in memory: a restart signs the browsers out, nothing else. The cookie is
// Secure, HttpOnly and SameSite=Strict, for the pages and the API (the browser sends it
// to /dav/ too, where it is not honoured: the drive wants its own sign-in), and every form of a page carries the session's own CSRF token
// besides (web.CSRF), checked before the page runs.
const (
	sessionCookie = "__Host-hearth_session" // __Host-: only this server over HTTPS may set it, never a page on plain HTTP
	sessionFor    = 12 * time.Hour
	maxSessions   = 10000
	maxPerUser    = 100 // browsers and PCs of one person
)

// Sessions are the signed-in browsers, which an administrator may list and end.
type Sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

// NewSessions returns an empty store.
func NewSessions() *Sessions { return &Sessions{m: map[string]*session{}} }

// A session keeps the credential that made it and holds only while that does: a password
// change, the user's removal or the device's removal ends it at once. One made by a
// device token may not make more tokens (the API asks auth.Principal.ByToken).
type session struct {
	cred    auth.Credential
	user    string
	csrf    string
	from    string // the address it signed in from
	agent   string // the browser's own name for itself
	created time.Time
	seen    time.Time
	expires time.Time
}

// SessionInfo is a session as an administrator sees it: never its cookie or token.
type SessionInfo struct {
	ID      string // a handle for End, not the cookie
	User    string
	From    string
	Browser string
	Created time.Time
	Seen    time.Time
}

func (s *Sessions) create(cred auth.Credential, user, from, agent string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if len(s.m) >= maxSessions {
		for id, x := range s.m {
			if now.After(x.expires) {
				delete(s.m, id)
			}
		}
	}
	s.dropOldest(user, now)
	if len(s.m) >= maxSessions {
		clear(s.m) // rather than grow without end: everyone signs in again
	}
	id := rand.Text() + rand.Text()
	if len(agent) > 200 {
		agent = agent[:200]
	}
	s.m[id] = &session{cred: cred, user: user, csrf: rand.Text(), from: from, agent: agent, created: now, seen: now, expires: now.Add(sessionFor)}
	return id
}

// dropOldest ends user's oldest sessions while they have maxPerUser: one user signing in
// in a loop (a stolen PC's device token makes sessions without a password) would
// otherwise fill the store until it is cleared, signing everyone else out.
func (s *Sessions) dropOldest(user string, now time.Time) {
	for {
		n, oldest := 0, ""
		for id, x := range s.m {
			if !strings.EqualFold(x.user, user) || now.After(x.expires) {
				continue
			}
			if n++; oldest == "" || x.created.Before(s.m[oldest].created) {
				oldest = id
			}
		}
		if n < maxPerUser {
			return
		}
		delete(s.m, oldest)
	}
}

func (s *Sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[id]
	if !ok || time.Now().After(x.expires) {
		delete(s.m, id)
		return session{}, false
	}
	x.seen = time.Now()
	return *x, true
}

func (s *Sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// handle names a session in lists without giving away its cookie.
func handle(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:8])
}

// List returns the live sessions, the newest first.
func (s *Sessions) List() []SessionInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	var out []SessionInfo
	for id, x := range s.m {
		if now.After(x.expires) {
			continue
		}
		out = append(out, SessionInfo{ID: handle(id), User: x.user, From: x.from, Browser: browserName(x.agent), Created: x.created, Seen: x.seen})
	}
	slices.SortFunc(out, func(a, b SessionInfo) int { return b.Seen.Compare(a.Seen) })
	return out
}

// End ends the session with the handle List gave, and reports whether there was one.
func (s *Sessions) End(h string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.m {
		if handle(id) == h {
			delete(s.m, id)
			return true
		}
	}
	return false
}

// browserName is a browser's User-Agent in a word or two a person knows.
func browserName(ua string) string {
	var b, os string
	for _, x := range []struct{ key, name string }{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, x.key) {
			b = x.name
			break
		}
	}
	for _, x := range []struct{ key, name string }{{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"}, {"Mac OS X", "Mac"}, {"CrOS", "Chromebook"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, x.key) {
			os = x.name
			break
		}
	}
	switch {
	case b != "" && os != "":
		return b + " on " + os
	case b != "":
		return b
	case ua == "":
		return "unknown"
	}
	return "a program"
}

type csrfKey struct{}

// CSRF is the token the forms of the signed-in browser's pages must carry (as the form
// field "csrf", or the header X-CSRF-Token), or "" outside a session.
func CSRF(ctx context.Context) string {
	t, _ := ctx.Value(csrfKey{}).(string)
	return t
}

// fromSession returns the user of a valid session cookie whose credential still holds,
// and the session.
func (s *Server) fromSession(r *http.Request) (auth.User, session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.User{}, session{}, false
	}
	x, ok := s.opt.Sessions.get(c.Value)
	if !ok {
		return auth.User{}, session{}, false
	}
	u, err := s.opt.Accounts.Current(r.Context(), x.cred)
	if errors.Is(err, auth.ErrBadCredentials) {
		s.opt.Sessions.end(c.Value)
	}
	return u, x, err == nil
}

// startSession gives the browser a new session for u (never one it brought: a session
// fixed by someone else before the sign-in must not become theirs).
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u auth.User) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.opt.Sessions.end(c.Value)
	}
	id := s.opt.Sessions.create(u.Credential, u.Name, source(r.RemoteAddr), r.UserAgent())
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", MaxAge: int(sessionFor.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// endSession signs the browser out.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.opt.Sessions.end(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// session answers POST /api/v1/session (sign in: the request carried a password or
// token) and DELETE (sign out).
func (s *Server) session(w http.ResponseWriter, r *http.Request, u auth.User) {
	switch r.Method {
	case http.MethodPost:
		s.startSession(w, r, u)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": u.Name, "admin": u.Admin})
	case http.MethodDelete:
		s.endSession(w, r)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "POST, DELETE")
		http.Error(w, "Sign in with POST, sign out with DELETE.", http.StatusMethodNotAllowed)
	}
}
