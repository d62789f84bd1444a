// Package web is hearthd's one HTTPS listener: the WebDAV drive at /dav/, the JSON API at
// /api/v1/, and the web console's pages at every other path (Options.Pages; a small page
// at / without them). It signs people in (HTTP Basic over TLS with a password or a device
// token, or the console's form at /signin, which makes a session) under the guard that
// slows down guessing, and checks each page's form for its session's CSRF token. The
// sharing links at /s/ (Options.Links) answer anyone: their token is their credential.
// Plain HTTP only redirects.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/dav"
)

// Options wire the server.
type Options struct {
	Accounts *auth.Accounts
	Guard    *auth.Guard
	Catalog  *catalog.Catalog // where failed sign-ins are recorded
	DAV      http.Handler
	API      http.Handler // served at /api/v1/ for signed-in users
	// CA gives the certificate authority in PEM, offered at /ca.crt so a PC can trust
	// it: the current one, which 'hearthd cert renew-ca' changes while the server runs.
	CA func() []byte
	// SetupToken, while no administrator exists, lets /setup create the first one
	// through Setup.
	SetupToken string
	Setup      func(ctx context.Context, name, password string) error
	// Metrics serves /metrics to whom MetricsAccess says: "admin", "lan" or "off" (asked
	// at each request: the console's settings change it while the server runs).
	Metrics       http.Handler
	MetricsAccess func() string
	// Sessions are the signed-in browsers (shared with the console, which lists them).
	Sessions *Sessions
	// Pages are the web console: every path not served above. They run for a signed-in
	// session (a POST only with its CSRF token), except /signin and /static/, which run
	// for anyone; see pages.go.
	Pages http.Handler
	// Links serves the sharing links at /s/ to anyone, signed in or not: the token in
	// the address is the credential, checked (under Guard) by the handler.
	Links http.Handler
	// JoinCodes let a PC join at JoinPath without a password.
	JoinCodes *auth.JoinCodes
	Log       *slog.Logger
}

// Server is the HTTPS handler.
type Server struct {
	opt  Options
	csrf *http.CrossOriginProtection // see crossSite
}

// New returns the handler for the HTTPS listener.
func New(opt Options) *Server {
	if opt.Sessions == nil {
		opt.Sessions = NewSessions()
	}
	return &Server{opt: opt, csrf: http.NewCrossOriginProtection()}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Strict-Transport-Security", "max-age=31536000")
	if s.refuseCrossSite(w, r) {
		return
	}
	p := r.URL.Path
	switch {
	case r.Method == http.MethodOptions && !strings.HasPrefix(p, dav.Prefix+"/") && p != dav.Prefix && !strings.HasPrefix(p, "/api/"):
		// Windows' WebDAV client asks the server's root whether it speaks WebDAV before
		// it opens /dav/; say so without asking for a password.
		w.Header().Set("DAV", "1, 2")
		w.Header().Set("MS-Author-Via", "DAV")
		w.Header().Set("Allow", "OPTIONS, GET, HEAD")
		w.WriteHeader(http.StatusOK)
	case p == dav.Prefix || strings.HasPrefix(p, dav.Prefix+"/"):
		s.signedIn(w, r, s.opt.DAV)
	case p == "/api/v1/session":
		if r.Method == http.MethodDelete {
			s.session(w, r, auth.User{})
			return
		}
		if u, ok := s.authenticate(w, r); ok {
			s.session(w, r, u)
		}
	case p == JoinPath:
		s.joinByCode(w, r)
	case strings.HasPrefix(p, "/api/v1/"):
		if u, _, ok := s.fromSession(r); ok {
			s.serveAs(w, r, u, s.opt.API)
			return
		}
		s.signedIn(w, r, s.opt.API)
	case p == "/ca.crt":
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		w.Header().Set("Content-Disposition", `attachment; filename="hearth-ca.crt"`)
		w.Write(s.opt.CA())
	case p == "/metrics":
		s.metrics(w, r)
	case p == "/setup":
		s.setup(w, r)
	case s.opt.Links != nil && strings.HasPrefix(p, "/s/"):
		s.opt.Links.ServeHTTP(w, r)
	case s.opt.Pages == nil && p == "/":
		s.home(w, r)
	case s.opt.Pages == nil:
		http.NotFound(w, r)
	default:
		s.pages(w, r)
	}
}

// signedIn runs next for a signed-in user, or answers why not.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, next http.Handler) {
	u, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	s.serveAs(w, r, u, next)
}

// serveAs runs next for u with u's access to the shares.
func (s *Server) serveAs(w http.ResponseWriter, r *http.Request, u auth.User, next http.Handler) {
	access, err := s.opt.Accounts.Access(r.Context())
	if err != nil {
		s.opt.Log.Error("reading the share access failed", "err", err)
		refuse(w, r, http.StatusInternalServerError, problem.CodeInternal, "The server could not read who may open what; please try again.")
		return
	}
	pr := auth.Principal{Name: u.Name, Admin: u.Admin, ByToken: u.ByToken, PC: u.PC, Level: func(share string) auth.Level { return access.Of(share, u.Name) }}
	next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), pr)))
}

// challenge refuses a request that did not sign in, asking for a password. A page's
// own request (fetch or XHR: a Sec-Fetch-Mode other than navigate) that came with a
// session the server no longer has is not asked: the browser would put a password
// dialog of its own over the page and hold the request until someone answers it (an
// upload after the server restarted and forgot its sessions); the page says in its own
// words to sign in again. Without a session cookie the challenge stays, so a browser
// that signed in with a password answers it by itself.
func challenge(w http.ResponseWriter, r *http.Request, msg string) {
	_, stale := r.Cookie(sessionCookie)
	if m := r.Header.Get("Sec-Fetch-Mode"); stale != nil || m == "" || m == "navigate" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Hearth", charset="UTF-8"`)
	}
	refuse(w, r, http.StatusUnauthorized, "sign_in", msg)
}

// refuse answers a request the web layer turns away: under /api/ in the API's one error
// shape, elsewhere (the drive, the metrics) as text.
func refuse(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		problem.Reply(w, status, code, msg)
		return
	}
	http.Error(w, msg, status)
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (auth.User, bool) {
	name, secret, ok := r.BasicAuth()
	if !ok {
		name, secret, ok = bearer(r)
	}
	if !ok {
		challenge(w, r, "Please sign in with your Hearth user name and password.")
		return auth.User{}, false
	}
	u, d := s.check(r.Context(), source(r.RemoteAddr), name, secret)
	if d == nil {
		return u, true
	}
	if d.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(d.retryAfter))
	}
	if d.code == http.StatusUnauthorized {
		challenge(w, r, d.msg)
	} else if d.code != 0 {
		refuse(w, r, d.code, d.apiCode, d.msg)
	}
	return auth.User{}, false
}

// denial is why a sign-in was refused: the status and words to answer with (code 0: the
// request went away while it waited).
type denial struct {
	code       int
	apiCode    string // the API's code for it
	msg        string
	retryAfter int // seconds
}

// check signs in name (empty for a device token) with secret from the address ip,
// under the guard.
func (s *Server) check(ctx context.Context, ip, name, secret string) (auth.User, *denial) {
	// Credentials known to be good without an argon2id check (a device token, a password
	// checked lately against the current hash) skip the guard: a PC sending many requests
	// at once must not be slowed as if it were guessing, nor because someone else at the
	// address (a shared PC, a household's IPv6 /64, a removed PC's agent) got a password
	// or a token wrong. Credentials not known go through the guard and count like any
	// attempt, so guesses are never checked for free. A locked-out address keeps only
	// its device tokens, which no one can guess: a password remembered as right would
	// otherwise answer guesses during the lockout.
	if u, ok := s.opt.Accounts.Known(ctx, name, secret); ok && (u.ByToken || !s.opt.Guard.LockedOut(ip)) {
		return u, nil
	}
	return s.guarded(ctx, ip, name, func() (auth.User, error) {
		if name == "" {
			return s.opt.Accounts.VerifyToken(ctx, secret)
		}
		return s.opt.Accounts.Verify(ctx, name, secret)
	})
}

// guarded checks a credential with verify under the guard, as one attempt of the
// address ip to sign in as name: slowed, counted, locked out after too many wrong ones
// (verify's ErrBadCredentials), and a failure recorded as an event.
func (s *Server) guarded(ctx context.Context, ip, name string, verify func() (auth.User, error)) (auth.User, *denial) {
	v, err := s.opt.Guard.Check(ctx, ip)
	if err != nil {
		return auth.User{}, &denial{code: http.StatusServiceUnavailable, apiCode: "busy", msg: "The server is busy checking other sign-ins; please try again."}
	}
	if v.Locked {
		return auth.User{}, &denial{code: http.StatusTooManyRequests, apiCode: "locked_out", retryAfter: int(v.Wait.Seconds()) + 1,
			msg: fmt.Sprintf("Too many wrong passwords from your address. Please wait %d minutes and try again.", int(v.Wait.Minutes())+1)}
	}
	if v.Wait > 0 {
		select {
		case <-time.After(v.Wait):
		case <-ctx.Done():
			s.opt.Guard.Abandoned(ip)
			return auth.User{}, &denial{}
		}
	}
	u, err := verify()
	if errors.Is(err, auth.ErrBadCredentials) {
		locked := s.opt.Guard.Failed(ip, name)
		s.recordFailure(ctx, ip, name, locked)
		return auth.User{}, &denial{code: http.StatusUnauthorized, msg: "Wrong user name or password."}
	}
	if err != nil {
		s.opt.Guard.Abandoned(ip)
		return auth.User{}, &denial{code: http.StatusInternalServerError, apiCode: problem.CodeInternal, msg: "The server could not check your password; please try again."}
	}
	s.opt.Guard.Succeeded(ip, name)
	return u, nil
}

// bearer reads "Authorization: Bearer <device token>".
func bearer(r *http.Request) (string, string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return "", strings.TrimSpace(h[7:]), true
	}
	return "", "", false
}

func (s *Server) recordFailure(ctx context.Context, ip, name string, locked bool) {
	text := fmt.Sprintf("A sign-in as %q from %s failed: wrong password.", name, ip)
	kind := "login-failed"
	if locked {
		text = fmt.Sprintf("Too many wrong passwords from %s (last tried as %q); that address must wait before trying again.", ip, name)
		kind = "login-locked"
	}
	s.opt.Log.Warn("sign-in failed", "from", ip, "user", name, "locked_out", locked)
	ctx = context.WithoutCancel(ctx)
	err := s.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		return tx.AddEvent(ctx, catalog.Event{At: time.Now(), Kind: kind, Source: ip, Text: text})
	})
	if err != nil {
		s.opt.Log.Error("could not record a failed sign-in", "err", err)
	}
}

// source is what the guard and the connection caps count by: the address, or for IPv6
// its /64 network, which one household (or attacker) holds whole. An IPv4 address
// mapped into IPv6 (::ffff:a.b.c.d, as a dual-stack listener reports it) is the IPv4
// address, so both count it the same.
func source(remoteAddr string) string {
	ip, err := remoteIP(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}

func tokenEqual(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// metrics serves Prometheus: to administrators, or to anyone on the local network (a
// scraper has no password to give), never to the internet.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	access := "admin"
	if s.opt.MetricsAccess != nil {
		access = s.opt.MetricsAccess()
	}
	switch {
	case s.opt.Metrics == nil || access == "off":
		http.NotFound(w, r)
	case access == "lan" && onLAN(r):
		s.opt.Metrics.ServeHTTP(w, r)
	case access == "lan":
		http.Error(w, "The server's metrics are only for the local network.", http.StatusForbidden)
	default:
		s.signedIn(w, r, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if pr, _ := auth.PrincipalOf(r.Context()); !pr.Admin {
				http.Error(w, "Only an administrator may read the server's metrics.", http.StatusForbidden)
				return
			}
			s.opt.Metrics.ServeHTTP(w, r)
		}))
	}
}

// onLAN says whether a request comes from this machine or a private network.
func onLAN(r *http.Request) bool {
	ip, err := remoteIP(r.RemoteAddr)
	if err != nil {
		return false
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast()
}

// remoteIP is the address of a peer's "host:port", an IPv4 address mapped into IPv6 being
// the IPv4 address.
func remoteIP(remoteAddr string) (netip.Addr, error) {
	ap, err := netip.ParseAddrPort(remoteAddr)
	return ap.Addr().Unmap(), err
}
