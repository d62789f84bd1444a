package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// Listeners are the bound sockets: HTTPS and the plain HTTP one that only redirects.
type Listeners struct {
	HTTPS, HTTP net.Listener
}

// Listen binds both addresses (":0" picks a free port).
func Listen(httpsAddr, httpAddr string) (*Listeners, error) {
	s, err := net.Listen("tcp", httpsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen for HTTPS on %s: %w", httpsAddr, err)
	}
	l := &Listeners{HTTPS: s}
	if httpAddr != "" {
		if l.HTTP, err = net.Listen("tcp", httpAddr); err != nil {
			s.Close()
			return nil, fmt.Errorf("listen for HTTP on %s: %w", httpAddr, err)
		}
	}
	return l, nil
}

// Serve answers on the listeners until ctx ends, then shuts down gracefully. lim bounds
// what clients may hold (zero fields take the defaults). cert is asked at each TLS
// handshake for the certificate to present: a renewed one is presented from the next
// connection on, with no restart, while open connections carry on.
func Serve(ctx context.Context, l *Listeners, cert func() *tls.Certificate, h http.Handler, lim Limits, log *slog.Logger) error {
	lim = lim.withDefaults()
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	// One count for both listeners: the plain one only redirects, but its connections
	// take descriptors too.
	cs := newConns(lim, log)
	current := func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return cert(), nil }
	secure := &http.Server{
		Handler:           bodyDeadline(lim, h),
		TLSConfig:         &tls.Config{GetCertificate: current, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: lim.HeaderTimeout, // also bounds the TLS handshake
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errLog,
		ConnContext:       connContext,
		ConnState:         cs.connState,
	}
	g, ctx := errgroup.WithContext(ctx)
	servers := []*http.Server{secure}
	g.Go(func() error { return ignoreClosed(secure.ServeTLS(cs.listen(l.HTTPS), "", "")) })
	if l.HTTP != nil {
		port := portOf(l.HTTPS.Addr())
		plain := &http.Server{Handler: bodyDeadline(lim, redirect(port)), ReadHeaderTimeout: lim.HeaderTimeout,
			IdleTimeout: lim.IdleTimeout, MaxHeaderBytes: 64 << 10, ErrorLog: errLog, ConnState: cs.connState}
		servers = append(servers, plain)
		g.Go(func() error { return ignoreClosed(plain.Serve(cs.listen(l.HTTP))) })
	}
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, s := range servers {
			// A request still under way after the grace period (an upload that goes on
			// sending) has its connection closed: the server must not go on writing
			// while the pool under it closes.
			if s.Shutdown(sctx) != nil {
				s.Close()
			}
		}
		return nil
	})
	return g.Wait()
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}

// redirect sends every plain HTTP request to the same place over HTTPS.
func redirect(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if httpsPort != "443" {
			host = net.JoinHostPort(host, httpsPort)
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
