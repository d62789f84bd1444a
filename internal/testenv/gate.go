package testenv

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Gate relays TCP connections to a server and can hold what clients send past a number
// of bytes on each connection, so a test can catch a program mid-way through a long
// exchange (a backup uploading) and let it go on when it has looked. TLS passes through
// untouched.
type Gate struct {
	Addr string // where clients connect instead of the server

	mu     sync.Mutex
	limit  int64         // bytes a connection may send while held; <0: not held
	opened chan struct{} // closed when the hold is let go
	cut    bool          // the server is away: connections are closed and refused
	conns  map[net.Conn]bool
}

// NewGate relays connections on a loopback port to target (host:port) until the test ends.
func NewGate(t testing.TB, target string) *Gate {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &Gate{Addr: ln.Addr().String(), limit: -1, conns: map[net.Conn]bool{}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		g.Cut()
		g.Release()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.mu.Lock()
			cut := g.cut
			g.mu.Unlock()
			if cut {
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			g.mu.Lock()
			g.conns[c], g.conns[s] = true, true
			g.mu.Unlock()
			wg.Go(func() { io.Copy(c, s); c.Close(); s.Close() })
			wg.Go(func() { g.relay(s, c); c.Close(); s.Close() })
		}
	})
	return g
}

// Hold holds, from now, what any connection sends past limit bytes in all, until Release.
func (g *Gate) Hold(limit int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limit, g.opened = limit, make(chan struct{})
}

// Release lets everything held go on, and new connections through after a Cut.
func (g *Gate) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.limit >= 0 {
		close(g.opened)
	}
	g.limit, g.cut = -1, false
}

// Cut is the server going away: every connection is closed, and new ones are refused
// until Release.
func (g *Gate) Cut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.cut = true
	for c := range g.conns {
		c.Close()
	}
	clear(g.conns)
}

// relay copies from src to dst, waiting while the gate holds a connection past its limit.
func (g *Gate) relay(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	var sent int64
	for {
		n, err := src.Read(buf)
		for off := 0; off < n; {
			g.mu.Lock()
			limit, opened, cut := g.limit, g.opened, g.cut
			g.mu.Unlock()
			if cut {
				return
			}
			chunk := n - off
			if limit >= 0 && sent+int64(chunk) > limit {
				if room := limit - sent; room > 0 {
					chunk = int(room)
				} else {
					g.wait(opened)
					continue
				}
			}
			if _, werr := dst.Write(buf[off : off+chunk]); werr != nil {
				return
			}
			off += chunk
			sent += int64(chunk)
		}
		if err != nil {
			return
		}
	}
}

// wait waits until the hold is let go or the gate is cut.
func (g *Gate) wait(opened chan struct{}) {
	for {
		select {
		case <-opened:
			return
		case <-time.After(50 * time.Millisecond):
			g.mu.Lock()
			cut := g.cut
			g.mu.Unlock()
			if cut {
				return
			}
		}
	}
}
