// Package app wires hearthd together: it owns the state folder's lock, the catalog, the
// pool and the control socket, and runs their background work under one context.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"crypto/rand"
	"net"
	"net/http"

	"strconv"
	"sync"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/discovery"
	"github.com/hearth-home/hearth/internal/atomicfile"
	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/internal/mountinfo"
	"github.com/hearth-home/hearth/internal/privfile"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/api"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupapi"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/certs"
	"github.com/hearth-home/hearth/server/config"
	"github.com/hearth-home/hearth/server/dav"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/healthapi"
	"github.com/hearth-home/hearth/server/links"
	"github.com/hearth-home/hearth/server/media"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/serverbackup"
	"github.com/hearth-home/hearth/server/settings"
	"github.com/hearth-home/hearth/server/upload"
	"github.com/hearth-home/hearth/server/web"
)

// ErrRunning: another hearthd has the state folder.
var ErrRunning = errors.New("hearthd is already running with this state folder")

// Options say where the state is and which drives to look at.
type Options struct {
	StateDir string
	// Drives are folders to look for pool drives in (besides the recorded ones).
	Drives []string
	// HTTPSListen and HTTPListen override the settings file's addresses when set.
	HTTPSListen, HTTPListen string
	Version                 string
	// Guard watches sign-ins; nil means the usual one (tests pass a quicker one).
	Guard *auth.Guard
	// NoDiscovery keeps the server off multicast DNS (tests: they use only loopback).
	NoDiscovery bool
	// OnlyDrives looks for the pool's drives in Drives alone, not in the state folder's
	// list of them either ("pool rebuild" of drives named).
	OnlyDrives bool
	// MountScan also looks at every mount point: for drives of the pool that moved, and
	// to list other pools' drives, which are never adopted (pool.Options.MountScan).
	// The hearthd command sets it; tests leave it off, blind to the machine's mounts.
	MountScan bool
	// BackupGrace overrides how long unreferenced backup data is kept (tests).
	BackupGrace time.Duration
	// HealthEvery overrides how often the server checks itself (tests). SMART and
	// DeviceOf replace smartctl and the disk lookup (tests, with recorded outputs).
	HealthEvery time.Duration
	SMART       smart.Reader
	DeviceOf    func(path string) (string, error)
	// Connectors is the folder of the connector's installers the web console offers.
	Connectors string
	// MountTable and SysRoot replace /proc/self/mountinfo and /sys where the console
	// looks for disks to add (admin.Service.DriveCandidates); tests give their own.
	MountTable, SysRoot string
	// Supervised: a service manager starts hearthd again when it exits with ExitRestart
	// (hearthd.service says so with HEARTH_SUPERVISED=1), so the console may restart it.
	Supervised bool
	// Limits bound what web clients may hold: deadlines and connection caps (zero fields
	// take the defaults; tests use short ones).
	Limits web.Limits
	// LinkClock is the sharing links' clock, which says when one has expired; nil is
	// time.Now (tests pass their own).
	LinkClock func() time.Time
	// OpenDrive opens each pool drive; nil is the real drive alone. Tests wrap it
	// (pool.Options.OpenDrive).
	OpenDrive func(ctx context.Context, path string) (drive.Drive, error)
	// MediaListen overrides the settings file's address of the media server for the
	// TVs ("off" turns it off). MediaSubnets replaces the machine's own networks as
	// those whose devices may use it (tests).
	MediaListen  string
	MediaSubnets func() ([]*net.IPNet, error)
}

// App is an open hearthd.
type App struct {
	opt      Options
	cfg      config.Config
	log      *slog.Logger
	lock     *os.File
	cat      *catalog.Catalog
	Pool     *pool.Pool
	Accounts *auth.Accounts
	Backups  *backupstore.Store
	Health   *health.Monitor
	// Settings are what the console edits (server name, default retention, metrics
	// access, time zone, backup window); the parts that use them read them on each use.
	Settings *settings.Store
	// serverBackups keeps and runs the server backup jobs (issue 23).
	serverBackups *serverbackup.Jobs
	// listen is set while the server listens: what Info reports. listenBroken: the
	// web server failed and closed them; it binds again.
	mu           sync.Mutex
	listen       *web.Listeners
	listenBroken bool
	id           *certs.Identity
	idChanged    chan struct{} // closed when id changes (setIdentity)
	setup        string        // the one-time setup token while there is no administrator
	sup          *supervisor
	// jobs runs the console's long work (scrub, repair, drive removal) under Start's
	// context; nil before Start.
	jobs *admin.Jobs
	// uploads receives the browsers' resumable uploads (tus); made by Start.
	uploads *upload.Store
	// stop ends the run for the console (stop.go); under mu.
	stop stopState
	// certMu keeps one change of the certificate folder at a time (renewWhenDue, RenewCA).
	certMu sync.Mutex
	// media streams the media shares to the TVs; nil when it is off (media.go).
	media *media.Server
}

// New takes the state folder's lock and opens the catalog and the pool (rebuilding the
// pool from its drives when the catalog is gone).
func New(ctx context.Context, opt Options, log *slog.Logger) (*App, error) {
	if err := os.MkdirAll(opt.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("make the state folder: %w", err)
	}
	lock, err := takeLock(paths.Lock(opt.StateDir))
	if err != nil {
		return nil, err
	}
	// The catalog holds the password hashes and tls/ the keys: only the server's account
	// may read the folder, whatever an older version or the umask left.
	if err := privfile.Tree(opt.StateDir, leaveInState(opt.StateDir, log)); err != nil {
		lock.Close()
		return nil, err
	}
	a := &App{opt: opt, log: log, lock: lock}
	if err := a.open(ctx); err != nil {
		lock.Close()
		return nil, err
	}
	return a, nil
}

// leaveInState says which folders of the state folder keep their modes when the rest is
// made private: the drives in drives/ and any other drive kept in the state folder (one
// given with -drive there), and any file system mounted in it. A drive's files stay
// readable as plain files, as the drive made them.
func leaveInState(state string, log *slog.Logger) func(path string) bool {
	drives := paths.Drives(state)
	mounted := map[string]bool{}
	if mounts, err := mountinfo.Read(); err != nil {
		log.Warn("could not read the mount table; folders mounted in the state folder are made private like the rest, drives are not", "err", err)
	} else {
		for _, m := range mounts {
			mounted[m.Point] = true
		}
	}
	// The mount table names real paths; the state folder may be given otherwise.
	resolved := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return p
	}
	return func(path string) bool {
		return filepath.Dir(path) == drives || drive.HasMarker(path) || mounted[resolved(path)]
	}
}

func (a *App) open(ctx context.Context) error {
	cfg, err := config.Load(paths.Config(a.opt.StateDir))
	if err != nil {
		return err
	}
	a.cfg = cfg
	popt, err := cfg.PoolOptions()
	if err != nil {
		return err
	}
	if a.cat, err = catalog.Open(ctx, paths.Catalog(a.opt.StateDir)); err != nil {
		return err
	}
	popt.Catalog, popt.Logger, popt.MountScan = a.cat, a.log, a.opt.MountScan
	if a.opt.OpenDrive != nil {
		popt.OpenDrive = a.opt.OpenDrive
	}
	popt.DriveHints = a.opt.Drives
	if !a.opt.OnlyDrives {
		popt.DriveHints = append(readDriveList(paths.DriveList(a.opt.StateDir)), a.opt.Drives...)
	}
	if a.Pool, err = pool.Open(ctx, popt); err != nil {
		a.cat.Close()
		return err
	}
	a.saveDriveList(ctx)
	a.Accounts = auth.NewAccounts(a.cat, a.peopleChanged)
	if a.Settings, err = settings.Open(ctx, a.cat, settings.Defaults(cfg.Metrics)); err != nil {
		a.Pool.Close(ctx)
		a.cat.Close()
		return err
	}
	bopt := backupstore.Options{Pool: a.Pool, Index: paths.BackupIndex(a.opt.StateDir), Log: a.log, Grace: a.opt.BackupGrace, Event: a.backupEvent,
		DefaultKeep: func() backup.Policy { return a.Settings.Get().DefaultKeep }, Location: a.Settings.Location, Changed: a.backupsChanged}
	if a.Backups, err = backupstore.Open(ctx, bopt); err != nil {
		a.Pool.Close(ctx)
		a.cat.Close()
		return err
	}
	a.serverBackups = serverbackup.OpenJobs(paths.ServerBackups(a.opt.StateDir), a.Pool, a.log, a.Settings.Location)
	a.serverBackups.Config = serverConfig{a}
	if a.Health, err = a.openHealth(ctx, popt.ScrubEvery); err != nil {
		a.Backups.Close()
		a.Pool.Close(ctx)
		a.cat.Close()
		return err
	}
	return nil
}

// openHealth makes the health monitor, reading disks through smartctl unless a test
// gave recorded ones.
func (a *App) openHealth(ctx context.Context, scrubEvery time.Duration) (*health.Monitor, error) {
	hopt, err := a.cfg.Health()
	if err != nil {
		return nil, err
	}
	opt := health.Options{Catalog: a.cat, Pool: a.Pool, Backups: a.Backups, SMART: a.opt.SMART, DeviceOf: a.opt.DeviceOf,
		Every: hopt.Every, SMARTEvery: hopt.SMARTEvery, BackupOverdue: hopt.BackupOverdue, ScrubEvery: scrubEvery, Log: a.log,
		Media: a.mediaState, ServerBackups: a.serverBackups}
	if opt.SMART == nil {
		opt.SMART, opt.DeviceOf = smart.Smartctl{}, smart.DeviceOf
	}
	if a.opt.HealthEvery > 0 {
		opt.Every = a.opt.HealthEvery
	}
	return health.New(ctx, opt)
}

func takeLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the state folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, ErrRunning
	}
	return f, nil
}

// Catalog is the server's index.
func (a *App) Catalog() *catalog.Catalog { return a.cat }

// Service is the admin service of this process.
func (a *App) Service() admin.Service {
	return a.local()
}

func (a *App) local() admin.Local {
	return admin.Local{Pool: a.Pool, Changed: a.saveDriveList, Accounts: a.Accounts, Backups: a.Backups, Monitor: a.Health, Info: a.Info,
		NewCA: a.renewCA, Background: a.jobs, MountTable: a.opt.MountTable, SysRoot: a.opt.SysRoot,
		SettingsStore: a.Settings, Stop: a.requestStop, ServerBackupJobs: a.serverBackups}
}

// Info describes the server: its certificate's fingerprint and, while it listens, its
// address.
func (a *App) Info(ctx context.Context) (admin.ServerInfo, error) {
	id := a.identity()
	if id == nil {
		var err error
		if id, err = certs.Load(paths.TLS(a.opt.StateDir), a.certNames(), a.cfg.TLSNames); err != nil {
			return admin.ServerInfo{}, err
		}
	}
	has, err := a.Accounts.HasAdmin(ctx)
	if err != nil {
		return admin.ServerInfo{}, err
	}
	info := admin.ServerInfo{Version: a.opt.Version, Fingerprint: certfp.SHA256(id.Leaf),
		CAFingerprint: certfp.SHA256(id.CA), CAConstrained: id.Constrained(), Names: append(id.Leaf.DNSNames, ipStrings(id.Leaf.IPAddresses)...), SetupNeeded: !has}
	if addr := a.Addr(); addr != nil {
		info.URL = "https://" + hostPort(id, addr) + dav.Prefix + "/"
		if !has && a.setup != "" {
			info.SetupURL = a.setupURL()
		}
	}
	return info, nil
}

// Start brings the server up in the order it needs: a first drive at firstDrive when
// the pool has none (so a new server works at once), the family's shares, the TLS
// identity and listeners (a port in use is reported now), and then every long-lived part
// of the server, each under a supervisor that starts it again if it stops. The parts run
// until ctx ends; Wait waits for them.
func (a *App) Start(ctx context.Context, firstDrive string) error {
	if err := a.ensureDrive(ctx, firstDrive); err != nil {
		return err
	}
	if err := a.local().EnsureFamilyShares(ctx); err != nil {
		return err
	}
	if err := a.listenTLS(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	// The jobs come before the web handler: the console's service starts them.
	a.jobs = admin.NewJobs(ctx, a.log, a.jobEnded)
	h, err := a.webHandler(ctx)
	if err != nil {
		cancel()
		return err
	}
	a.mu.Lock()
	a.stop = stopState{cancel: cancel, done: ctx.Done()}
	a.mu.Unlock()
	a.sup = &supervisor{log: a.log, stopped: a.Health.ServiceStopped, running: a.Health.ServiceRunning}
	a.media = a.newMedia()
	for _, svc := range a.services(h) {
		a.sup.start(ctx, svc)
	}
	return nil
}

// Wait returns when every part of the server has stopped, after Start's ctx ended.
func (a *App) Wait() {
	if a.sup != nil {
		a.sup.wait()
	}
	if a.jobs != nil {
		a.jobs.Wait()
	}
}

// services are the long-lived parts of the server.
func (a *App) services(h http.Handler) []service {
	out := []service{
		{"The storage pool's background work (drive checks, repair, scrub)", a.Pool.Run},
		{"The nightly cleanup of backups", a.Backups.Run},
		{"The health checks", a.Health.Run},
		{"The server backups' daily runs", a.serverBackups.Loop},
		{"The control socket (the hearthd commands)", func(ctx context.Context) error {
			return admin.Serve(ctx, paths.Socket(a.opt.StateDir), a.Service(), a.log)
		}},
		{"The web server (the shared folders, WebDAV and the API)", func(ctx context.Context) error { return a.serveWeb(ctx, h) }},
		{"The renewal of the server certificate", a.renewWhenDue},
		{"The removal of uploads left unfinished for a day", a.uploads.Run},
	}
	out = append(out, a.mediaService()...)
	if !a.opt.NoDiscovery {
		out = append(out, service{"The announcement on the local network", func(ctx context.Context) error {
			a.advertise(ctx)
			return ctx.Err()
		}})
	}
	return out
}

// serveWeb serves HTTPS (and the plain HTTP redirect) until ctx ends. After a failure it
// binds the same addresses again: the failed server closed its listeners. Each new
// connection gets the identity current then (renewWhenDue and RenewCA change it while
// the server runs, with no restart: see renew.go).
func (a *App) serveWeb(ctx context.Context, h http.Handler) error {
	l, broken := a.listeners()
	if broken {
		nl, err := web.Listen(l.HTTPS.Addr().String(), httpAddr(l))
		if err != nil {
			return err
		}
		a.setListeners(nl, false)
		l = nl
	}
	err := web.Serve(ctx, l, a.certificate, h, a.opt.Limits, a.log)
	if ctx.Err() == nil {
		a.setListeners(l, true)
	}
	return err
}

// identity is the TLS identity the server presents now.
func (a *App) identity() *certs.Identity {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.id
}

// setIdentity makes id the identity presented from the next connection on, and tells
// those waiting on identityChanged.
func (a *App) setIdentity(id *certs.Identity) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.id = id
	if a.idChanged != nil {
		close(a.idChanged)
	}
	a.idChanged = make(chan struct{})
}

func httpAddr(l *web.Listeners) string {
	if l.HTTP == nil {
		return ""
	}
	return l.HTTP.Addr().String()
}

func (a *App) listeners() (*web.Listeners, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.listen, a.listenBroken
}

func (a *App) setListeners(l *web.Listeners, broken bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.listen, a.listenBroken = l, broken
}

// ensureDrive makes path a drive when the pool has none, so a new server works at once.
func (a *App) ensureDrive(ctx context.Context, path string) error {
	ds, err := a.Pool.Drives(ctx)
	if err != nil || len(ds) > 0 {
		return err
	}
	if err := os.MkdirAll(path, privfile.DirMode); err != nil {
		return fmt.Errorf("make the first drive: %w", err)
	}
	d, err := a.Service().AddDrive(ctx, path, "")
	if err == nil {
		a.log.Info("the pool had no drive; made a first one", "drive", d.Label, "path", d.Path)
	}
	return err
}

// listenTLS loads (or makes) the TLS identity and binds the HTTPS and HTTP addresses.
func (a *App) listenTLS() error {
	id, err := certs.Load(paths.TLS(a.opt.StateDir), a.certNames(), a.cfg.TLSNames)
	if err != nil {
		return err
	}
	if !id.Constrained() {
		a.log.Warn("the server's certificate authority may vouch for any web site to the PCs that trust it (it was made before hearthd limited it to the server's own names); run 'hearthd cert renew-ca', joined PCs follow",
			"authority", certfp.SHA256(id.CA))
	}
	if len(id.Refused) > 0 {
		a.log.Warn("the certificate leaves out names of tls_names that its authority was not made for; run 'hearthd cert renew-ca'", "names", id.Refused)
	}
	httpsAddr, httpAddr := a.cfg.HTTPSListen, a.cfg.HTTPListen
	if a.opt.HTTPSListen != "" {
		httpsAddr = a.opt.HTTPSListen
	}
	if a.opt.HTTPListen != "" {
		httpAddr = a.opt.HTTPListen
	}
	if httpAddr == "off" {
		httpAddr = ""
	}
	l, err := web.Listen(httpsAddr, httpAddr)
	if err != nil {
		return err
	}
	a.setIdentity(id)
	a.setListeners(l, false)
	has, err := a.Accounts.HasAdmin(context.Background())
	if err != nil {
		l.HTTPS.Close()
		return err
	}
	if !has {
		a.setup = rand.Text()
	}
	return nil
}

// Addr is the HTTPS address the server listens on (nil before Start).
func (a *App) Addr() net.Addr {
	l, _ := a.listeners()
	if l == nil {
		return nil
	}
	return l.HTTPS.Addr()
}

// certNames are the names the server certificate is for: the machine's, and the one
// it announces on the local network.
func (a *App) certNames() []string { return append(certs.Names(), a.mdnsHost()+".local") }

// mdnsHost is the name the server answers for on the local network. It is its own, not
// the machine's: avahi on the same machine owns that one, and may have renamed it.
func (a *App) mdnsHost() string {
	id := a.Pool.ID()
	return "hearth-" + id[:min(8, len(id))]
}

// advertise announces the server on the local network until ctx ends. Without multicast
// the server still works (by name or address), so a failure is only logged. The
// announcement carries the CA's fingerprint, which PCs joining check: when 'hearthd cert
// renew-ca' replaces the CA, the server announces the new one.
func (a *App) advertise(ctx context.Context) {
	host, _ := os.Hostname()
	_, port, _ := net.SplitHostPort(a.Addr().String())
	p, _ := strconv.Atoi(port)
	for ctx.Err() == nil {
		ca := a.identity().CA
		info := discovery.Info{Instance: "Hearth on " + strings.SplitN(host, ".", 2)[0], ID: a.Pool.ID(), Version: a.opt.Version,
			Port: p, Fingerprint: strings.ReplaceAll(certfp.SHA256(ca), ":", "")}
		actx, cancel := context.WithCancel(ctx)
		go func() {
			defer cancel()
			a.waitNewCA(actx, ca)
		}()
		if err := discovery.Advertise(actx, info, discovery.Options{Host: a.mdnsHost()}); err != nil && actx.Err() == nil {
			a.log.Warn("the server cannot announce itself on the network; PCs must be given its name or address", "err", err)
			<-actx.Done() // not a stop to restart: a machine without multicast stays without it
		}
		cancel()
	}
}

func (a *App) webHandler(ctx context.Context) (http.Handler, error) {
	d, err := dav.New(ctx, a.Pool, a.cat, a.Backups, a.log)
	if err != nil {
		return nil, err
	}
	guard := a.opt.Guard
	if guard == nil {
		guard = auth.NewGuard()
	}
	// The drive and the API run only for signed-in requests: reaching them takes the
	// connection out of the count of those that have not signed in (web.Limits).
	sessions := web.NewSessions()
	// Sharing links answer anyone at /s/; their tokens are checked under the same guard
	// as passwords.
	lk := links.New(links.Options{Catalog: a.cat, Pool: a.Pool, Accounts: a.Accounts, Guard: guard, Log: a.log, Now: a.opt.LinkClock})
	// Join codes live in memory: at most an hour, never past a restart, never on a disk.
	jc := auth.NewJoinCodes(nil)
	opt := web.Options{Accounts: a.Accounts, Guard: guard, Catalog: a.cat, DAV: web.Authenticated(d),
		API: web.Authenticated(a.apiHandler(ctx, lk, jc)), CA: a.caPEM, Log: a.log,
		Metrics: http.HandlerFunc(a.metrics), MetricsAccess: func() string { return a.Settings.Get().Metrics },
		Sessions: sessions, Pages: a.console(ctx, sessions, lk, jc), Links: lk, JoinCodes: jc}
	opt.SetupToken = a.setup
	opt.Setup = func(ctx context.Context, name, password string) error {
		_, err := a.local().Setup(ctx, name, password)
		return err
	}
	if a.setup != "" {
		a.log.Warn("no administrator yet: open the setup page or run 'hearthd setup'", "setup", a.setupURL())
	}
	return web.New(opt), nil
}

// setupURL is the one-time page that makes the first administrator.
func (a *App) setupURL() string {
	return "https://" + hostPort(a.identity(), a.Addr()) + "/setup?token=" + a.setup
}

func (a *App) apiHandler(ctx context.Context, lk *links.Service, jc *auth.JoinCodes) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(backupapi.Prefix, backupapi.New(a.Backups, a.Accounts, a.log))
	h := healthapi.New(ctx, healthapi.Options{Monitor: a.Health, Accounts: a.Accounts, Log: a.log,
		Evacuate: a.evacuate})
	mux.Handle(healthapi.Prefix, h)
	mux.Handle(healthapi.Prefix+"/", h)
	a.uploads = upload.New(ctx, upload.Options{Pool: a.Pool, Log: a.log})
	up := upload.NewHandler(a.uploads, a.log)
	mux.Handle(upload.Prefix, up)
	mux.Handle(upload.Prefix+"/", up)
	mux.Handle("/", api.New(api.Options{Pool: a.Pool, Accounts: a.Accounts, Backups: a.Backups, Admin: a.local(), Manage: apiManager{a.local()}, Log: a.log, Links: lk, JoinCodes: jc,
		Events: func(ctx context.Context, limit int) (es []catalog.Event, err error) {
			err = a.cat.View(ctx, func(tx *catalog.Tx) error {
				es, err = tx.Events(ctx, "", limit)
				return err
			})
			return es, err
		}}))
	return mux
}

// CopyPeopleFrom carries users, access, locks and properties over from an old catalog
// file (after a rebuild).
func (a *App) CopyPeopleFrom(ctx context.Context, path string) error {
	return a.cat.CopyPeopleFrom(ctx, path)
}

// SetupToken is the one-time token of the setup page ("" once an administrator exists
// at start).
func (a *App) SetupToken() string { return a.setup }

// PlainAddr is the address of the plain HTTP listener, "" when there is none.
func (a *App) PlainAddr() string {
	l, _ := a.listeners()
	if l == nil {
		return ""
	}
	return httpAddr(l)
}

// hostPort is how the log and status name this server: its host name and port.
func hostPort(id *certs.Identity, addr net.Addr) string {
	_, port, _ := net.SplitHostPort(addr.String())
	return net.JoinHostPort(id.Leaf.Subject.CommonName, port)
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

// Close shuts the pool down cleanly and releases the lock.
func (a *App) Close(ctx context.Context) error {
	a.Backups.Close()
	err := a.Pool.Close(ctx)
	if cerr := a.cat.Close(); err == nil {
		err = cerr
	}
	a.lock.Close()
	return err
}

// backupEvent records what the backup store did (a backup let go, and why) among the
// events health lists, where the family can look it up.
func (a *App) backupEvent(ctx context.Context, pc, text string) {
	err := a.cat.Update(ctx, func(tx *catalog.Tx) error {
		return tx.AddEvent(ctx, catalog.Event{At: time.Now(), Kind: health.EventKind, Source: pc, Text: text})
	})
	if err != nil {
		a.log.Warn("could not record a backup event", "pc", pc, "err", err)
	}
}

// backupsChanged tells the health monitor that a PC's backups changed (one stored, let
// go, deleted or brought back), so the health stream says the PC's last backup at once.
// The store is opened before the monitor, which reads it; nothing changes backups
// before the server starts.
func (a *App) backupsChanged(ctx context.Context, pc string) {
	if a.Health != nil {
		a.Health.BackupsChanged(ctx, pc)
	}
}

// peopleChanged records the users, devices and access on the drives, with the pool's
// configuration, so they come back with the drives if the catalog is lost. They are
// saved in the catalog already; a drive that cannot take them now gets them next time.
func (a *App) peopleChanged(ctx context.Context) {
	if err := a.Pool.SaveConfig(context.WithoutCancel(ctx)); err != nil {
		a.log.Warn("the users could not be recorded on the drives; they are safe in the catalog", "err", err)
	}
}

// saveDriveList records the drives' folders beside the catalog.
func (a *App) saveDriveList(ctx context.Context) {
	ds, err := a.Pool.Drives(ctx)
	if err != nil {
		return
	}
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.Path + "\n")
	}
	if err := atomicfile.Write(paths.DriveList(a.opt.StateDir), []byte(b.String()), 0o600); err != nil {
		a.log.Warn("could not record where the drives are", "err", err)
	}
}

func readDriveList(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); filepath.IsAbs(l) {
			out = append(out, l)
		}
	}
	return out
}

// metrics serves what the health monitor last found, for Prometheus. The web server
// decides who may ask, by the access setting as it is at each request.
func (a *App) metrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	if err := a.Health.WriteMetrics(w); err != nil {
		a.log.Debug("writing metrics stopped", "err", err)
	}
}
