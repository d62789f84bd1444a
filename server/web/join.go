package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
)

// JoinPath is where a PC joins with a join code: POST, "Authorization: Join <the code's
// secret>", and the body of POST /api/v1/devices ({"name": ...}). The answer is that
// call's: the device with its token.
const JoinPath = "/api/v1/join"

// joinByCode lets a PC join with a join code instead of a password. The code is good
// once, within its hour, and for this call alone: it is claimed under the guard (a wrong
// one counts as a wrong password does), the join is made as its user through the API's
// own call, and the code is used up only when a device was made.
func (s *Server) joinByCode(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		refuse(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "Join with POST.")
		return
	}
	secret, ok := joinSecret(r)
	if !ok || s.opt.JoinCodes == nil {
		refuse(w, r, http.StatusUnauthorized, "sign_in", "Send the join code the server's console gave you.")
		return
	}
	var done func(joined bool)
	u, d := s.guarded(r.Context(), source(r.RemoteAddr), "", func() (auth.User, error) {
		made, fin, err := s.opt.JoinCodes.Claim(secret)
		if err != nil {
			return auth.User{}, err
		}
		u, err := s.opt.Accounts.Lookup(r.Context(), made.Name)
		if errors.Is(err, auth.ErrNoUser) || (err == nil && !u.Created.Equal(made.Created)) {
			err = auth.ErrBadCredentials // the user was removed since (and made again)
		}
		if err != nil {
			fin(false)
			return auth.User{}, err
		}
		done = fin
		return u, nil
	})
	if d != nil {
		if d.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(d.retryAfter))
		}
		if d.code == http.StatusUnauthorized {
			d.apiCode, d.msg = "bad_join_code", "That join code is not right, or it was used already or made more than an hour ago. Make a new one in the server's console, under Get the connector."
		}
		if d.code != 0 {
			refuse(w, r, d.code, d.apiCode, d.msg)
		}
		return
	}
	rec := &statusWriter{ResponseWriter: w}
	join := r.Clone(r.Context())
	join.URL.Path, join.URL.RawPath = "/api/v1/devices", ""
	join.Header.Del("Authorization")
	s.serveAs(rec, join, u, s.opt.API)
	done(rec.status == http.StatusCreated)
}

// joinSecret reads "Authorization: Join <secret>".
func joinSecret(r *http.Request) (string, bool) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	return secret, ok && strings.EqualFold(scheme, "join") && secret != ""
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}
