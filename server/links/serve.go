package links

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

// Prefix is where links are served: /s/<token>/<path within the linked folder>.
const Prefix = "/s/"

// guardOK is the name a found token is reported to the guard as: no failure has it, so
// a right token never wipes the failures of wrong ones, nor of wrong link passwords.
const guardOK = "\x00link token"

// ServeHTTP serves a link to anyone who holds it.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The address holds the token: no page may send it on to another site, nor may a
	// search engine keep it. ("no-referrer" would also make the browser send "Origin:
	// null" with the upload form, which the web layer refuses as another site's.)
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Robots-Tag", "noindex, nofollow")
	h.Set("Cache-Control", "no-store")
	token, rest, slash := strings.Cut(strings.TrimPrefix(r.URL.Path, Prefix), "/")
	if token == "" {
		s.page(w, http.StatusNotFound, "sorry", sorryData{Text: wrongLink})
		return
	}
	ip := source(r.RemoteAddr)
	l, ok := s.find(w, r, ip, token)
	if !ok {
		return
	}
	if !slash { // relative addresses in the pages need the folder's slash
		http.Redirect(w, r, Prefix+token+"/", http.StatusSeeOther)
		return
	}
	// A path that is not already clean (dot segments, doubled slashes, an escaped
	// "..%2F") is nowhere: it could step out of the linked folder.
	if rest != "" && "/"+strings.TrimSuffix(rest, "/") != path.Clean("/"+rest) {
		s.page(w, http.StatusNotFound, "sorry", sorryData{Text: notHere})
		return
	}
	if l.Hash != "" && !s.unlocked(r, l) {
		if r.Method == http.MethodPost && r.URL.Query().Has("unlock") {
			s.unlock(w, r, ip, token, l)
			return
		}
		s.page(w, http.StatusUnauthorized, "password", passwordData{Action: Prefix + token + "/?unlock"})
		return
	}
	lr := &linkRequest{s: s, l: l, token: token, rest: strings.TrimSuffix(rest, "/"), ip: ip}
	if l.Kind == catalog.LinkUpload {
		lr.upload(w, r)
		return
	}
	lr.read(w, r)
}

const (
	wrongLink = "This link does not work. Check that it was copied whole, or ask the person who sent it for a new one."
	goneLink  = "This link no longer works: it has expired or was taken back. Ask the person who sent it for a new one."
	notHere   = "There is nothing of that name here. Go back to the link's first page."
)

// find looks the token up under the guard: every look-up is an attempt the guard lets
// through (at once from an address that got nothing wrong lately), and a token that is
// no link's is a failure, so guessing is as slow as guessing passwords and ends in a
// lockout. It answers the request itself when the link does not work.
func (s *Service) find(w http.ResponseWriter, r *http.Request, ip, token string) (catalog.Link, bool) {
	ctx := r.Context()
	v, err := s.opt.Guard.Check(ctx, ip)
	if err != nil {
		return catalog.Link{}, false // the visitor went away while waiting
	}
	if v.Locked {
		w.Header().Set("Retry-After", fmt.Sprint(int(v.Wait.Seconds())+1))
		s.page(w, http.StatusTooManyRequests, "sorry", sorryData{Text: fmt.Sprintf(
			"Too many wrong links or passwords came from your address. Please wait %d minutes and try again.", int(v.Wait.Minutes())+1)})
		return catalog.Link{}, false
	}
	if v.Wait > 0 {
		select {
		case <-time.After(v.Wait):
		case <-ctx.Done():
			s.opt.Guard.Abandoned(ip)
			return catalog.Link{}, false
		}
	}
	var l catalog.Link
	err = s.opt.Catalog.View(ctx, func(tx *catalog.Tx) (err error) {
		l, err = tx.LinkByDigest(ctx, digest(token))
		return err
	})
	if errors.Is(err, catalog.ErrNotFound) {
		locked := s.opt.Guard.Failed(ip, "")
		s.failed(ctx, ip, locked, "a link that does not exist")
		s.page(w, http.StatusNotFound, "sorry", sorryData{Text: wrongLink})
		return catalog.Link{}, false
	}
	if err != nil {
		s.opt.Guard.Abandoned(ip)
		s.internal(w, "looking up a link", err)
		return catalog.Link{}, false
	}
	s.opt.Guard.Succeeded(ip, guardOK)
	ok, err := s.usable(ctx, l)
	if err != nil {
		s.internal(w, "checking a link", err)
		return catalog.Link{}, false
	}
	if !ok {
		s.page(w, http.StatusGone, "sorry", sorryData{Text: goneLink})
		return catalog.Link{}, false
	}
	return l, true
}

// failed records a wrong token or password in the event log (the guard keeps these few:
// an address is locked out after a handful).
func (s *Service) failed(ctx context.Context, ip string, locked bool, what string) {
	text := fmt.Sprintf("Someone at %s tried %s.", ip, what)
	kind := "link-failed"
	if locked {
		text = fmt.Sprintf("Too many wrong links or link passwords from %s; that address must wait before trying again.", ip)
		kind = "login-locked"
	}
	s.opt.Log.Warn("a link was refused", "from", ip, "what", what, "locked_out", locked)
	s.event(ctx, kind, ip, text)
}

func (s *Service) event(ctx context.Context, kind, source, text string) {
	ctx = context.WithoutCancel(ctx)
	err := s.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		return tx.AddEvent(ctx, catalog.Event{At: s.opt.Now(), Kind: kind, Source: source, Text: text})
	})
	if err != nil {
		s.opt.Log.Error("could not record a link's use", "err", err)
	}
}

// used records a use of a link, once per link, address, action and path in a while: a
// video seeking sends many requests, a visitor opens many folders.
func (s *Service) used(ctx context.Context, l catalog.Link, ip, action, p string) {
	if !s.seen.first(l.ID+"\x00"+ip+"\x00"+action+"\x00"+p, s.opt.Now()) {
		return
	}
	s.event(ctx, "link", ip, fmt.Sprintf("Someone at %s %s (a link of %s's).", ip, action, l.Owner))
}

func cookieName(l catalog.Link) string { return "hearth_link_" + l.ID }

// proof is what the cookie of a browser that gave the link's password holds: a MAC of
// the link and its password's hash under the service's key.
func (s *Service) proof(l catalog.Link) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(l.ID + "\x00" + l.Hash))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Service) unlocked(r *http.Request, l catalog.Link) bool {
	c, err := r.Cookie(cookieName(l))
	return err == nil && hmac.Equal([]byte(c.Value), []byte(s.proof(l)))
}

// unlock checks a link's password under the guard, as a user's password is checked, and
// on success gives the browser the cookie that opens the link.
func (s *Service) unlock(w http.ResponseWriter, r *http.Request, ip, token string, l catalog.Link) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	pw := r.PostFormValue("password")
	v, err := s.opt.Guard.Check(ctx, ip)
	if err != nil {
		return
	}
	if v.Locked {
		w.Header().Set("Retry-After", fmt.Sprint(int(v.Wait.Seconds())+1))
		s.page(w, http.StatusTooManyRequests, "sorry", sorryData{Text: fmt.Sprintf(
			"Too many wrong links or passwords came from your address. Please wait %d minutes and try again.", int(v.Wait.Minutes())+1)})
		return
	}
	if v.Wait > 0 {
		select {
		case <-time.After(v.Wait):
		case <-ctx.Done():
			s.opt.Guard.Abandoned(ip)
			return
		}
	}
	ok, err := s.opt.Accounts.CheckSecret(ctx, l.Hash, pw)
	if err != nil {
		s.opt.Guard.Abandoned(ip)
		return
	}
	name := "link " + l.ID
	if !ok {
		locked := s.opt.Guard.Failed(ip, name)
		s.failed(ctx, ip, locked, fmt.Sprintf("a wrong password for %s's link to %s", l.Owner, l.Path))
		s.page(w, http.StatusUnauthorized, "password", passwordData{Action: Prefix + token + "/?unlock", Wrong: true})
		return
	}
	s.opt.Guard.Succeeded(ip, name)
	http.SetCookie(w, &http.Cookie{Name: cookieName(l), Value: s.proof(l), Path: Prefix + token + "/",
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, Prefix+token+"/", http.StatusSeeOther)
}

func (s *Service) internal(w http.ResponseWriter, what string, err error) {
	s.opt.Log.Error("a link failed", "doing", what, "err", err)
	s.page(w, http.StatusInternalServerError, "sorry", sorryData{Text: "The server could not do that just now. Please try again in a moment."})
}

// source is what the guard counts by, as the web layer counts sign-ins: the address, or
// for IPv6 its /64, which one household (or attacker) holds whole.
func source(remoteAddr string) string {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
