package web

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/auth"
)

// A session lets the web pages call the API without sending the password each time.
// Sessions live in memory: a restart signs the pages out, nothing else. The cookie is
// Secure, HttpOnly and SameSite=Strict, and only the API accepts it (never /dav/), so
// another site cannot make a browser change anything.
const (
	sessionCookie = "hearth_session"
	sessionFor    = 12 * time.Hour
	maxSessions   = 10000
)

type sessions struct {
	mu sync.Mutex
	m  map[string]session
}

// A session keeps the credential that made it and holds only while that does: a password
// change, the user's removal or the device's removal ends it at once. One made by a
// device token may not make more tokens (the API asks auth.Principal.ByToken).
type session struct {
	cred    auth.Credential
	expires time.Time
}

func (s *sessions) create(cred auth.Credential) string {
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
	if len(s.m) >= maxSessions {
		clear(s.m) // rather than grow without end: everyone signs in again
	}
	id := rand.Text() + rand.Text()
	s.m[id] = session{cred: cred, expires: now.Add(sessionFor)}
	return id
}

func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[id]
	if !ok || time.Now().After(x.expires) {
		delete(s.m, id)
		return session{}, false
	}
	return x, true
}

func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// fromSession returns the user of a valid session cookie whose credential still holds.
func (s *Server) fromSession(r *http.Request) (auth.User, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return auth.User{}, false
	}
	x, ok := s.sessions.get(c.Value)
	if !ok {
		return auth.User{}, false
	}
	u, err := s.opt.Accounts.Current(r.Context(), x.cred)
	if errors.Is(err, auth.ErrBadCredentials) {
		s.sessions.end(c.Value)
	}
	return u, err == nil
}

// session answers POST /api/v1/session (sign in: the request carried a password or
// token) and DELETE (sign out).
func (s *Server) session(w http.ResponseWriter, r *http.Request, u auth.User) {
	switch r.Method {
	case http.MethodPost:
		id := s.sessions.create(u.Credential)
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/api/", MaxAge: int(sessionFor.Seconds()),
			Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"name": u.Name, "admin": u.Admin})
	case http.MethodDelete:
		if c, err := r.Cookie(sessionCookie); err == nil {
			s.sessions.end(c.Value)
		}
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/api/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "POST, DELETE")
		http.Error(w, "Sign in with POST, sign out with DELETE.", http.StatusMethodNotAllowed)
	}
}
