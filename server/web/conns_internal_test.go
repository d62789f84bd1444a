package web

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
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
	// server closed it at once). The listener decides before it accepts the next
	// connection, so each dial waits for that decision, not for a time.
	dial := func(ip string) (*client, *conn) {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		cl := watch(c)
		select {
		case s := <-accepted:
			return cl, s
		case err := <-cl.read:
			if err == nil {
				t.Fatalf("the server wrote to a connection from %s that it did not serve", ip)
			}
			return cl, nil
		case <-time.After(30 * time.Second):
			t.Fatalf("a connection from %s was neither served nor closed", ip)
			return nil, nil
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
	d, sd := dial("127.0.0.1")
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
	select {
	case err := <-d.read:
		if err == nil {
			t.Error("the connection closed to make room got data instead")
		}
	case <-time.After(30 * time.Second):
		t.Error("the connection closed to make room is still open at the client")
	}
	// The signed-in connection still carries what the server sends.
	if _, err := sa.Write([]byte("x")); err != nil {
		t.Fatalf("writing to a signed-in connection: %v", err)
	}
	if err := <-a.read; err != nil {
		t.Errorf("a signed-in connection was closed: %v", err)
	}
	if n := cs.count(); n != 4 {
		t.Errorf("%d connections counted, want 4", n)
	}
}

// client is the client's end of a connection, with the outcome of its first read: nil
// when the server wrote something, the error when it closed the connection.
type client struct {
	net.Conn
	read chan error
}

func watch(c net.Conn) *client {
	cl := &client{Conn: c, read: make(chan error, 1)}
	go func() {
		_, err := c.Read(make([]byte, 1))
		cl.read <- err
	}()
	return cl
}

// TestSource: the guard and the connection caps count an IPv4 address by itself, the
// same whether or not it comes mapped into IPv6, and an IPv6 address by its /64.
func TestSource(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:443":                "192.0.2.7",
		"[::ffff:192.0.2.7]:443":       "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":   "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:50000": "2001:db8:1:2::/64",
		"[fe80::1%eth0]:443":           "fe80::/64",
		"not an address":               "not an address",
	} {
		if got := source(addr); got != want {
			t.Errorf("source(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestIdleConnectionsMakeRoom: connections signed in and idle between requests cannot
// keep others out. An address at its own cap gives up its own connection idle longest
// (not another address's); when the total is full, the connection idle longest goes,
// signed in or not; and a connection in the middle of a request is never closed: with
// every one busy, a new connection is refused. (The attack: a user opened 128 signed-in
// keep-alive connections from each of 40 addresses and locked everyone out.)
func TestIdleConnectionsMakeRoom(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs := newConns(Limits{PerAddress: 2, AnonymousPerAddress: 2, Anonymous: 100, Total: 4}, slog.New(slog.DiscardHandler))
	cs.evictAfter = time.Hour // no connection here counts as stalled
	type event struct {
		addr  string
		state http.ConnState
	}
	events := make(chan event, 1000)
	release := make(chan struct{})
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, ok := r.Context().Value(connKey{}).(*conn); ok {
				cs.signIn(c)
			}
			if r.URL.Path == "/busy" { // answers the header, then works until released
				w.WriteHeader(http.StatusOK)
				http.NewResponseController(w).Flush()
				<-release
			}
		}),
		ConnContext: connContext,
		ConnState: func(c net.Conn, s http.ConnState) {
			cs.connState(c, s)
			events <- event{c.RemoteAddr().String(), s}
		},
	}
	go srv.Serve(cs.listen(ln))
	defer srv.Close()
	var once sync.Once
	done := func() { once.Do(func() { close(release) }) }
	defer done()

	// open connects from ip and asks for path: it returns the client's end, watching for
	// the server closing it, or nil when the server refused the connection. Asking for
	// /idle, it also waits for the server to be waiting for the next request on it.
	open := func(ip, path string) *client {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 30 * time.Second}
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(30 * time.Second)) // only so a broken test ends
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return nil
		}
		if path == "/idle" {
			io.Copy(io.Discard, resp.Body)
			for e := range events {
				if e.addr == c.LocalAddr().String() && e.state == http.StateIdle {
					break
				}
			}
		}
		c.SetDeadline(time.Time{})
		return watch(c)
	}
	closed := func(c *client, what string) {
		t.Helper()
		select {
		case err := <-c.read:
			if err == nil {
				t.Errorf("%s got data instead of being closed", what)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%s was not closed", what)
		}
	}
	open1 := func(ip, path, what string) *client {
		t.Helper()
		c := open(ip, path)
		if c == nil {
			t.Fatalf("%s was refused", what)
		}
		return c
	}

	b1 := open1("127.0.0.3", "/idle", "the first connection")
	a1 := open1("127.0.0.2", "/idle", "a first connection from 127.0.0.2")
	open1("127.0.0.2", "/idle", "a second connection from 127.0.0.2")
	open1("127.0.0.2", "/idle", "a third connection from 127.0.0.2, at its cap of 2 with both idle,")
	closed(a1, "127.0.0.2's connection idle longest")

	busy := []*client{open1("127.0.0.4", "/busy", "a busy connection")}
	open1("127.0.0.5", "/idle", "a connection when the total was full of idle ones")
	closed(b1, "the connection idle longest (another address's, signed in)")

	// Three more busy ones take the places of the three idle: then all are busy.
	for _, ip := range []string{"127.0.0.6", "127.0.0.7", "127.0.0.8"} {
		busy = append(busy, open1(ip, "/busy", "a busy connection from "+ip+" while others were idle"))
	}
	if n := cs.count(); n != 4 {
		t.Errorf("%d connections counted, want 4", n)
	}
	if c := open("127.0.0.9", "/idle"); c != nil {
		t.Error("a connection was served when every place was taken by one in the middle of a request")
	}
	// Every busy one carries on to the end of its response.
	done()
	for i, c := range busy {
		if err := <-c.read; err != nil {
			t.Errorf("busy connection %d was closed: %v", i, err)
		}
	}
}
