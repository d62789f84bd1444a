// Package apptest starts a whole hearthd in a test: a real state folder, drive, catalog,
// TLS identity and HTTPS listener on loopback, with users made through the admin service.
package apptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/browsertest"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/paths"
	pooldrive "github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
)

// Server is a running hearthd.
type Server struct {
	T     testing.TB
	State string
	// Drive is the pool's first drive: a folder in State unless the test gave one
	// (StartOnDrive).
	Drive  string
	Opt    app.Options
	App    *app.App
	URL    string // https://127.0.0.1:port
	CAFile string
	cancel context.CancelFunc
	client *http.Client
}

// Start runs a hearthd with one drive and the family shares until the test ends. edit may
// change its options (a quicker sign-in guard, say).
func Start(t testing.TB, edit ...func(*app.Options)) *Server {
	t.Helper()
	return StartOnDrive(t, "", edit...)
}

// StartOnDrive is Start with the pool's first drive at drive (a small disk the test
// mounted, say, to fill it); "" is a folder in the state folder.
func StartOnDrive(t testing.TB, drive string, edit ...func(*app.Options)) *Server {
	t.Helper()
	s := &Server{T: t, State: t.TempDir(), Drive: drive}
	s.Opt = app.Options{StateDir: s.State, HTTPSListen: "127.0.0.1:0", HTTPListen: "off", Version: "test", NoDiscovery: true,
		MediaListen: "127.0.0.1:0"}
	if s.Drive == "" {
		// The drive is a folder on the host's disk, however full that is: only a test
		// that brings a disk of its own sees the real free space.
		s.Drive = paths.FirstDrive(s.State)
		s.Opt.OpenDrive = openRoomy
	}
	for _, e := range edit {
		e(&s.Opt)
	}
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start() {
	t := s.T
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(ctx, s.Opt, log)
	if err != nil {
		t.Fatalf("start hearthd: %v", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	if err := a.Start(rctx, s.Drive); err != nil {
		cancel()
		a.Close(ctx)
		t.Fatalf("start hearthd: %v", err)
	}
	s.App, s.URL = a, "https://"+a.Addr().String()
	s.client = nil // the CA may be new
	s.CAFile = filepath.Join(paths.TLS(s.State), "ca.crt")
	s.cancel = cancel
	for i := 0; ; i++ { // wait until it answers
		resp, err := s.Client().Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			t.Fatalf("hearthd does not answer: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openRoomy opens a real drive that never looks full because the host's disk is.
func openRoomy(ctx context.Context, path string) (pooldrive.Drive, error) {
	d, err := pooldrive.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return drivetest.Roomy{Drive: d}, nil
}

// Stop shuts the server down (idempotent).
func (s *Server) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.App.Wait()
	s.App.Close(context.Background())
	s.cancel = nil
}

// Restart stops the server and starts it again on the same state folder.
func (s *Server) Restart() {
	s.Stop()
	s.start()
}

// Admin is the server's admin service, as the hearthd commands use it.
func (s *Server) Admin() admin.Service { return s.App.Service() }

// AddUser makes a user (failing the test on error).
func (s *Server) AddUser(name, password string, isAdmin bool) {
	s.T.Helper()
	if _, err := s.Admin().AddUser(context.Background(), name, password, isAdmin); err != nil {
		s.T.Fatal(err)
	}
}

// SetAccess sets a user's level on a share.
func (s *Server) SetAccess(share, user, level string) {
	s.T.Helper()
	if err := s.Admin().SetAccess(context.Background(), share, user, level); err != nil {
		s.T.Fatal(err)
	}
}

// Client is an HTTPS client that trusts the server's CA.
func (s *Server) Client() *http.Client {
	if s.client != nil {
		return s.client
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.Roots()}, MaxIdleConnsPerHost: 8}
	s.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return s.client
}

// Roots holds the server's CA, for clients that trust it.
func (s *Server) Roots() *x509.CertPool {
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		s.T.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return roots
}

// DialTLS opens a raw TLS connection to the server, checking its certificate for
// serverName.
func (s *Server) DialTLS(serverName string) *tls.Conn {
	s.T.Helper()
	conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"), &tls.Config{RootCAs: s.Roots(), ServerName: serverName})
	if err != nil {
		s.T.Fatal(err)
	}
	return conn
}

// Do sends one request as user (no credentials when user is "") and returns the answer
// with its body read.
func (s *Server) Do(user, password, method, path string, body io.Reader, hdr ...string) (*http.Response, string) {
	s.T.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		s.T.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		s.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Body is a request body from a string.
func Body(s string) io.Reader { return strings.NewReader(s) }

// Browser starts a Chromium that trusts this server's certificate (and no other).
func (s *Server) Browser() *browsertest.Browser {
	s.T.Helper()
	conn := s.DialTLS("127.0.0.1")
	defer conn.Close()
	return browsertest.New(s.T, conn.ConnectionState().PeerCertificates[0])
}

// MediaURL is the media server's address for the TVs, http://host:port, once it listens.
func (s *Server) MediaURL() string {
	s.T.Helper()
	for i := 0; ; i++ {
		if a := s.App.MediaAddr(); a != nil {
			return "http://" + a.String()
		}
		if i > 500 {
			s.T.Fatal("the media server does not listen")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
