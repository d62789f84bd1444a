// Package media streams the pool's media shares to the TVs, game consoles and players of
// the house (DLNA/UPnP AV). It embeds dms's media server behind a front of its own: dms
// browses an fs.FS over the pool holding only the shares streamed to the TVs (reads go
// through the pool, checked, from another copy when a drive is missing), and the front
// refuses devices outside the server's own networks and passes on only what a TV needs.
package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/dms/dlna/dms"

	"github.com/hearth-home/hearth/server/thumbs"
)

// Options configure the media server.
type Options struct {
	Pool Pool
	// Listen is the address TVs stream from, such as ":8200" (tests: "127.0.0.1:0").
	Listen string
	// Name is the name TVs show (from the server's name).
	Name func() string
	// Announce: announce the server to the TVs (SSDP) on the machine's interfaces.
	Announce bool
	// Subnets are the networks whose devices may use the server; nil means the
	// machine's own (LocalSubnets). An empty list refuses every device.
	Subnets func() ([]*net.IPNet, error)
	// SubnetsEvery is how often the networks and the name are looked at again, for a
	// server that started before the network came up, whose address changed or that was
	// renamed (default 30 s).
	SubnetsEvery time.Duration
	// Thumbs makes the pictures' thumbnails TVs show in their listings (nil: none).
	Thumbs *thumbs.Cache
	Log    *slog.Logger
}

// Server is the media server.
type Server struct {
	opt  Options
	log  *slog.Logger
	base uint64 // where the system update id starts (updateID)

	state  atomic.Pointer[state] // the dms answering now, and who may ask it
	events events                // the devices told of changes (events.go)
	mu     sync.Mutex
	addr   net.Addr // where it listens; nil when it does not
}

// state is one dms server, the pool as it browses it, the name it gives and the
// networks it answers.
type state struct {
	fs    *poolFS
	name  string
	nets  []*net.IPNet
	dms   *dms.Server
	proxy *httputil.ReverseProxy
	// dmsTransport reaches dms directly, for the front's own requests (pages.go).
	dmsTransport http.RoundTripper
	pages        *pages
	done         chan struct{} // closed when its Run returned
}

// New makes a media server; Run serves.
func New(opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Subnets == nil {
		opt.Subnets = LocalSubnets
	}
	if opt.SubnetsEvery <= 0 {
		opt.SubnetsEvery = 30 * time.Second
	}
	if opt.Name == nil {
		opt.Name = func() string { return "Hearth" }
	}
	return &Server{opt: opt, log: opt.Log.With("part", "media"), base: uint64(time.Now().Unix())}
}

// Addr is where the server listens, nil when it does not.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Run serves the TVs until ctx ends. When the machine's networks or the server's name
// change, dms starts again on the same port with the new ones.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opt.Listen)
	if err != nil {
		return fmt.Errorf("listen for the TVs on %s: %w", s.opt.Listen, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.tellChanges(ctx)
	fsys := &poolFS{ctx: ctx, pool: s.opt.Pool}
	// No write deadline: a film streams for hours. Idle connections are let go.
	front := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	served := make(chan error, 1)
	go func() { served <- front.Serve(ln) }()
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	defer func() {
		front.Close()
		s.stopDMS(s.state.Swap(nil))
		s.mu.Lock()
		s.addr = nil
		s.mu.Unlock()
	}()
	tick := time.NewTicker(s.opt.SubnetsEvery)
	defer tick.Stop()
	for {
		if err := s.refresh(fsys, ln.Addr()); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-served:
			return fmt.Errorf("serve the TVs: %w", err)
		case <-tick.C:
		}
	}
}

// refresh starts dms for the machine's networks and the server's name when they are not
// those it has (dms takes both once, when it starts).
func (s *Server) refresh(fsys *poolFS, at net.Addr) error {
	nets, err := s.opt.Subnets()
	if err != nil {
		return err
	}
	name := s.opt.Name()
	if cur := s.state.Load(); cur != nil && sameNets(cur.nets, nets) && cur.name == name {
		return nil
	}
	st, err := s.startDMS(fsys, at, name, nets)
	if err != nil {
		return err
	}
	s.stopDMS(s.state.Swap(st))
	s.log.Info("the media server answers the TVs", "address", at, "name", name, "networks", nets)
	return nil
}

// startDMS starts a dms server answering over a pipe listener for the front at at.
func (s *Server) startDMS(fsys *poolFS, at net.Addr, name string, nets []*net.IPNet) (*state, error) {
	l := newPipeListener(at)
	d := &dms.Server{
		HTTPConn:     l,
		FriendlyName: name,
		FS:           fsys,
		// dms checks the control requests against these too; the front checks all.
		AllowedIpNets: nets,
		// Transcoding and probing run ffmpeg on paths of the machine's folders, not
		// through the pool; thumbnails likewise (the front refuses /icon).
		NoTranscode: true,
		NoProbe:     true,
		// Hidden files are left out by the pool's fs (fs.go), without dms's log line each.
		NotifyInterval: 30 * time.Second,
		Logger:         s.log,
	}
	if !s.opt.Announce {
		d.Interfaces = []net.Interface{} // nil would mean every interface
	}
	if err := d.Init(); err != nil {
		l.Close()
		return nil, fmt.Errorf("start the media server: %w", err)
	}
	tr := &http.Transport{DialContext: l.dial, DisableKeepAlives: true, DisableCompression: true}
	st := &state{fs: fsys, name: name, nets: nets, dms: d, proxy: s.newProxy(tr), dmsTransport: tr, pages: &pages{}, done: make(chan struct{})}
	go func() {
		defer close(st.done)
		if err := d.Run(); err != nil && !errors.Is(err, net.ErrClosed) {
			s.log.Warn("the media server stopped", "err", err)
		}
	}()
	return st, nil
}

// stopDMS stops a dms server (nil: none) and waits for it: its SSDP says goodbye.
func (s *Server) stopDMS(st *state) {
	if st == nil {
		return
	}
	st.dms.Close()
	<-st.done
}
