package web

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/auth"
)

// conns counts the open connections of the server's listeners, by address and by
// whether they signed in, and turns away what is over Limits: a new connection over a
// cap is closed at once, before the TLS handshake costs anything. When only the totals
// are full, the oldest connection that never signed in makes room instead: a stranger's
// stalled connections must not keep the family out.
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
	lastWarn   time.Time
}

type addrConns struct{ open, anon int }

func newConns(lim Limits, log *slog.Logger) *conns {
	return &conns{lim: lim, log: log, evictAfter: 5 * time.Second, byAddr: map[string]*addrConns{}, anon: map[*conn]struct{}{}}
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
	signedIn bool // under cs.mu
	released bool // under cs.mu: no longer counted
}

func (c *conn) Close() error {
	c.cs.release(c)
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
	var evict *conn
	ok := a.open < cs.lim.PerAddress && a.anon < cs.lim.AnonymousPerAddress
	if ok && (cs.total >= cs.lim.Total || len(cs.anon) >= cs.lim.Anonymous) {
		if evict = cs.oldestAnonymous(now.Add(-cs.evictAfter)); evict != nil {
			cs.releaseLocked(evict)
		}
		ok = evict != nil
	}
	var tc *conn
	if ok {
		tc = &conn{Conn: c, cs: cs, addr: addr, opened: now}
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
	if evict != nil {
		evict.Conn.Close()
	}
	if warn { // once a minute at most: an attack would fill the log
		cs.log.Warn("too many connections; turning new ones away", "from", addr, "open_from_it", seen.open,
			"not_signed_in_from_it", seen.anon, "open", cs.count())
	}
	return tc
}

// oldestAnonymous is the oldest connection opened before t that has not signed in.
func (cs *conns) oldestAnonymous(t time.Time) *conn {
	var old *conn
	for c := range cs.anon {
		if c.opened.Before(t) && (old == nil || c.opened.Before(old.opened)) {
			old = c
		}
	}
	return old
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
