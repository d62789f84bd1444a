package web

import (
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestConnectionCaps: connections over a per-address cap are closed at once; signing in
// frees a place among those not signed in but not among all of an address's; and when
// the totals are full, the oldest connection that never signed in makes room.
func TestConnectionCaps(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs := newConns(Limits{PerAddress: 3, AnonymousPerAddress: 2, Anonymous: 100, Total: 100}, slog.New(slog.DiscardHandler))
	cs.evictAfter = 0
	l := cs.listen(ln)
	defer l.Close()
	accepted := make(chan *conn, 16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c.(*conn)
		}
	}()
	// dial connects from ip and returns the client's end and the server's (nil when the
	// server closed it at once).
	dial := func(ip string) (net.Conn, *conn) {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		select {
		case s := <-accepted:
			return c, s
		case <-time.After(500 * time.Millisecond):
			if !closed(c, 2*time.Second) {
				t.Fatalf("a connection from %s was neither served nor closed", ip)
			}
			return c, nil
		}
	}
	a, sa := dial("127.0.0.1")
	_, sb := dial("127.0.0.1")
	if sa == nil || sb == nil {
		t.Fatal("the first two connections were refused")
	}
	if _, sc := dial("127.0.0.1"); sc != nil {
		t.Fatal("a third connection not signed in from one address was served")
	}
	cs.signIn(sa)
	_, sd := dial("127.0.0.1")
	if sd == nil {
		t.Fatal("a connection was refused though one of the address's had signed in")
	}
	cs.signIn(sb)
	if _, se := dial("127.0.0.1"); se != nil {
		t.Fatal("a fourth connection from one address was served")
	}
	if _, sf := dial("127.0.0.3"); sf == nil {
		t.Fatal("another address was refused")
	}
	// Full: a new connection makes room by closing the oldest not signed in (the 4th
	// of 127.0.0.1, d), never one signed in.
	cs.mu.Lock()
	cs.lim.Total = cs.total
	cs.mu.Unlock()
	if _, sg := dial("127.0.0.4"); sg == nil {
		t.Fatal("a new connection was refused when a stalled one could make room")
	}
	if !sd.released || sa.released || sb.released {
		t.Error("the wrong connection was closed to make room")
	}
	if closed(a, 200*time.Millisecond) {
		t.Error("a signed-in connection was closed")
	}
	if n := cs.count(); n != 4 {
		t.Errorf("%d connections counted, want 4", n)
	}
}

// closed says whether the server closed c within d (it sends nothing else).
func closed(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return err != nil && !(errors.As(err, &ne) && ne.Timeout())
}
