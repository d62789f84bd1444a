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

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/config"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
	"golang.org/x/sync/errgroup"
)

// ErrRunning: another hearthd has the state folder.
var ErrRunning = errors.New("hearthd is already running with this state folder")

// Options say where the state is and which drives to look at.
type Options struct {
	StateDir string
	// Drives are folders to look for pool drives in (besides the recorded ones).
	Drives []string
}

// App is an open hearthd.
type App struct {
	opt  Options
	log  *slog.Logger
	lock *os.File
	cat  *catalog.Catalog
	Pool *pool.Pool
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
	a := &App{opt: opt, log: log, lock: lock}
	if err := a.open(ctx); err != nil {
		lock.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) open(ctx context.Context) error {
	cfg, err := config.Load(paths.Config(a.opt.StateDir))
	if err != nil {
		return err
	}
	popt, err := cfg.PoolOptions()
	if err != nil {
		return err
	}
	if a.cat, err = catalog.Open(ctx, paths.Catalog(a.opt.StateDir)); err != nil {
		return err
	}
	popt.Catalog, popt.Logger = a.cat, a.log
	popt.DriveHints = append(readDriveList(paths.DriveList(a.opt.StateDir)), a.opt.Drives...)
	if a.Pool, err = pool.Open(ctx, popt); err != nil {
		a.cat.Close()
		return err
	}
	a.saveDriveList(ctx)
	return nil
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

// Service is the admin service of this process.
func (a *App) Service() admin.Service {
	return admin.Local{Pool: a.Pool, Changed: a.saveDriveList}
}

// EnsureDrive makes path a drive when the pool has none, so a new server works at once.
func (a *App) EnsureDrive(ctx context.Context, path string) error {
	ds, err := a.Pool.Drives(ctx)
	if err != nil || len(ds) > 0 {
		return err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return fmt.Errorf("make the first drive: %w", err)
	}
	d, err := a.Service().AddDrive(ctx, path, "")
	if err == nil {
		a.log.Info("the pool had no drive; made a first one", "drive", d.Label, "path", d.Path)
	}
	return err
}

// Run serves the control socket and does the pool's background work until ctx ends.
func (a *App) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.Pool.Run(ctx) })
	g.Go(func() error { return admin.Serve(ctx, paths.Socket(a.opt.StateDir), a.Service(), a.log) })
	return g.Wait()
}

// Close shuts the pool down cleanly and releases the lock.
func (a *App) Close(ctx context.Context) error {
	err := a.Pool.Close(ctx)
	if cerr := a.cat.Close(); err == nil {
		err = cerr
	}
	a.lock.Close()
	return err
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
	path := paths.DriveList(a.opt.StateDir)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err == nil {
		os.Rename(tmp, path)
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
