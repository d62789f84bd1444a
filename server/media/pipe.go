package media

import (
	"context"
	"errors"
	"net"
	"sync"
)

// pipeListener hands dms's HTTP server the connections the front makes in memory
// (front.go), so dms answers only what the front lets through. Its address is the
// front's real one: dms announces it (SSDP) and writes it into the links it gives.
type pipeListener struct {
	addr  net.Addr
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener(addr net.Addr) *pipeListener {
	return &pipeListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

var errClosed = errors.New("the media server stopped")

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return l.addr }

// clientKey carries the address of the client a request came from, for dial.
type clientKey struct{}

// dial makes a connection to dms for one request of the front's. The end dms reads
// carries the client's address, so dms sees (and checks, and logs) who asked.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	ours, theirs := net.Pipe()
	remote, _ := ctx.Value(clientKey{}).(net.Addr)
	if remote == nil {
		remote = theirs.RemoteAddr()
	}
	select {
	case l.conns <- addrConn{Conn: theirs, local: l.addr, remote: remote}:
		return ours, nil
	case <-l.done:
		ours.Close()
		theirs.Close()
		return nil, errClosed
	case <-ctx.Done():
		ours.Close()
		theirs.Close()
		return nil, ctx.Err()
	}
}

// addrConn is one end of a pipe with the addresses of the connection it stands for.
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c addrConn) LocalAddr() net.Addr  { return c.local }
func (c addrConn) RemoteAddr() net.Addr { return c.remote }
