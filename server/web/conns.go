package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-home/hearth/server/auth"
)

// conns counts the open connections of the server's listeners, by address and by
// whether they signed in, and turns away what is over Limits: a new connection over a
// cap is closed at once, before the TLS handshake costs anything. When a cap is full, a
// connection already open makes room instead if one can go without harm. When the totals
// are full: the oldest one that never signed in and has stalled (a stranger's stalled
// connections must not keep the family out), or else the one idle longest between
// requests, signed in or not (a keep-alive, which its client opens again when it needs
// it: a signed-in user holding thousands of idle connections must not keep everyone out
// either). When an address's own caps are full: that address's connection idle longest
// (a PC juggling many keep-alives gives up its own idle ones rather than be refused).
// A connection in the middle of a request is never closed to make room, except one that
// never signed in and has stalled.
type conns struct {
	lim Limits
	log *slog.Logger
	// evictAfter is how long a connection may go without signing in before it can be
	// closed to make room: a real client signs in with its first request.
	evictAfter time.Duration
	mu         sync.Mutex
	total      int
	byAddr     map[string]*addrConns
	anon       map[*conn]struct{} // open and not signed in
	idle       map[*conn]struct{} // open and waiting for its next request
	lastWarn   time.Time
}

type addrConns struct{ open, anon int }

func newConns(lim Limits, log *slog.Logger) *conns {
	return &conns{lim: lim, log: log, evictAfter: 5 * time.Second, byAddr: map[string]*addrConns{},
		anon: map[*conn]struct{}{}, idle: map[*conn]struct{}{}}
}

// listen wraps l so that its connections are counted and capped.
func (cs *conns) listen(l net.Listener) net.Listener { return &limitListener{Listener: l, cs: cs} }

type limitListener struct {
	net.Listener
	cs *conns
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if tc := l.cs.admit(c); tc != nil {
			return tc, nil
		}
		c.Close()
	}
}

// conn is a counted connection.
type conn struct {
	net.Conn
	cs       *conns
	addr     string
	opened   time.Time
	signedIn bool         // under cs.mu
	idleAt   time.Time    // under cs.mu: when it became idle; zero while it is not
	released bool         // under cs.mu: no longer counted
	resetAt  atomic.Int64 // see resetAfter: UnixNano, or 0
}

// resetAfter makes closing c from time d on (zero: never) reset it, dropping what the
// kernel still has to send on it (see steadyWriter).
func (c *conn) resetAfter(d time.Time) {
	var at int64
	if !d.IsZero() {
		at = d.UnixNano()
	}
	c.resetAt.Store(at)
}

func (c *conn) Close() error {
	c.cs.release(c)
	if at := c.resetAt.Load(); at != 0 && time.Now().UnixNano() >= at {
		if tc, ok := c.Conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	}
	return c.Conn.Close()
}

// admit counts c, or returns nil when it must be turned away.
func (cs *conns) admit(c net.Conn) *conn {
	addr := source(c.RemoteAddr().String())
	now := time.Now()
	cs.mu.Lock()
	a := cs.byAddr[addr]
	if a == nil {
		a = &addrConns{}
		cs.byAddr[addr] = a
	}
	// Each full cap has one connection make room, among those whose closing frees a
	// place under it; one closed for an address's cap frees a place in the totals too.
	var evict []*conn
	room := func(stalled bool, among func(*conn) bool) bool {
		var c *conn
		if stalled { // only the totals: an address's own caps stand against its stalling
			c = cs.oldestStalled(now.Add(-cs.evictAfter), among)
		}
		if c == nil {
			c = cs.idleLongest(among)
		}
		if c != nil {
			cs.releaseLocked(c)
			evict = append(evict, c)
		}
		return c != nil
	}
	ok := (a.open < cs.lim.PerAddress || room(false, func(c *conn) bool { return c.addr == addr })) &&
		(a.anon < cs.lim.AnonymousPerAddress || room(false, func(c *conn) bool { return c.addr == addr && !c.signedIn })) &&
		(len(cs.anon) < cs.lim.Anonymous || room(true, func(c *conn) bool { return !c.signedIn })) &&
		(cs.total < cs.lim.Total || room(true, func(*conn) bool { return true }))
	var tc *conn
	if ok {
		tc = &conn{Conn: c, cs: cs, addr: addr, opened: now}
		cs.byAddr[addr] = a // again, if closing its only other connection dropped it
		cs.total++
		a.open++
		a.anon++
		cs.anon[tc] = struct{}{}
	} else if a.open == 0 {
		delete(cs.byAddr, addr)
	}
	warn := !ok && now.Sub(cs.lastWarn) > time.Minute
	if warn {
		cs.lastWarn = now
	}
	seen := *a
	cs.mu.Unlock()
	for _, c := range evict {
		c.Conn.Close()
	}
	if warn { // once a minute at most: an attack would fill the log
		cs.log.Warn("too many connections; turning new ones away", "from", addr, "open_from_it", seen.open,
			"not_signed_in_from_it", seen.anon, "open", cs.count())
	}
	return tc
}

// oldestStalled is the oldest connection among those that has been open since before t
// and not signed in.
func (cs *conns) oldestStalled(t time.Time, among func(*conn) bool) *conn {
	var old *conn
	for c := range cs.anon {
		if c.opened.Before(t) && (old == nil || c.opened.Before(old.opened)) && among(c) {
			old = c
		}
	}
	return old
}

// idleLongest is the connection among those that has waited longest for its next request.
func (cs *conns) idleLongest(among func(*conn) bool) *conn {
	var old *conn
	for c := range cs.idle {
		if (old == nil || c.idleAt.Before(old.idleAt)) && among(c) {
			old = c
		}
	}
	return old
}

// connState follows whether each connection is in the middle of a request or waiting
// for the next one (http.Server.ConnState): only one waiting may be closed to make room.
func (cs *conns) connState(nc net.Conn, state http.ConnState) {
	if u, ok := nc.(interface{ NetConn() net.Conn }); ok { // TLS
		nc = u.NetConn()
	}
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c.released {
		return
	}
	if state == http.StateIdle {
		c.idleAt = time.Now()
		cs.idle[c] = struct{}{}
	} else { // new, active, hijacked (no longer the server's to judge) or closed
		c.idleAt = time.Time{}
		delete(cs.idle, c)
	}
}

func (cs *conns) count() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.total
}

func (cs *conns) release(c *conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.releaseLocked(c)
}

func (cs *conns) releaseLocked(c *conn) {
	if c.released {
		return
	}
	c.released = true
	delete(cs.idle, c)
	cs.total--
	a := cs.byAddr[c.addr]
	a.open--
	if !c.signedIn {
		a.anon--
		delete(cs.anon, c)
	}
	if a.open == 0 {
		delete(cs.byAddr, c.addr)
	}
}

// signIn no longer counts c among the connections that have not signed in.
func (cs *conns) signIn(c *conn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c.signedIn || c.released {
		return
	}
	c.signedIn = true
	cs.byAddr[c.addr].anon--
	delete(cs.anon, c)
}

type connKey struct{}

// connContext remembers a request's counted connection, for Authenticated.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if u, ok := c.(interface{ NetConn() net.Conn }); ok { // TLS
		c = u.NetConn()
	}
	if tc, ok := c.(*conn); ok {
		return context.WithValue(ctx, connKey{}, tc)
	}
	return ctx
}

// Authenticated wraps a handler that runs only for signed-in requests (the WebDAV drive,
// the API): the connection of a request that reaches it no longer counts against the
// caps on connections that have not signed in.
func Authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := auth.PrincipalOf(r.Context()); ok {
			if c, ok := r.Context().Value(connKey{}).(*conn); ok {
				c.cs.signIn(c)
			}
		}
		next.ServeHTTP(w, r)
	})
}
