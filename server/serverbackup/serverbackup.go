// Package serverbackup backs up the server's shares into a repository on any storage
// (an external drive, an S3 bucket): the PC backup engine, reading the shares through
// the pool. Jobs (jobs.go) say what goes where, run daily (schedule.go), and bring the
// shares back into a pool (restore.go). Retention on the targets, the server's own
// configuration in the backup and the web console are not done yet (issue 23).
package serverbackup

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/poolsource"
)

// Options describe one run.
type Options struct {
	// Name is what the snapshots are recorded under (their "pc" field): the server's
	// name. "" means "server".
	Name string
	// Shares are the shares to back up.
	Shares []string
	Log    *slog.Logger
	Now    func() time.Time
	// Config, when set, is asked for the server's configuration, kept with the backup.
	Config Configurer
}

// Run backs up the shares into r and returns the stored snapshot. Files unchanged since
// the last backup of the same shares (same size and time) are not read again.
func Run(ctx context.Context, p *pool.Pool, r *repo.Repo, opt Options) (backup.ID, backup.Snapshot, error) {
	if opt.Name == "" {
		opt.Name = "server"
	}
	if len(opt.Shares) == 0 {
		return backup.ID{}, backup.Snapshot{}, fmt.Errorf("choose at least one shared folder to back up")
	}
	paths := make([]string, len(opt.Shares))
	for i, s := range opt.Shares {
		if _, err := p.Stat(ctx, s); err != nil {
			return backup.ID{}, backup.Snapshot{}, fmt.Errorf("back up the shared folder %s: %w", s, err)
		}
		paths[i] = poolsource.Path(s)
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	parent, err := lastOf(ctx, r, opt.Name, paths, opt.Log)
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, err
	}
	aopt := archiver.Options{PC: opt.Name, Paths: paths, Source: poolsource.New(ctx, p), Log: opt.Log, Now: opt.Now}
	if parent != nil {
		aopt.Parent, aopt.ParentID = &parent.Snapshot, &parent.ID
	}
	snap, err := archiver.Run(ctx, r, aopt)
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, fmt.Errorf("back up the shared folders: %w", err)
	}
	if opt.Config != nil {
		if snap.Config, err = saveConfig(ctx, r, opt.Config); err != nil {
			return backup.ID{}, backup.Snapshot{}, err
		}
	}
	id, err := r.SaveSnapshot(ctx, snap)
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, err
	}
	return id, snap, nil
}

// lastOf returns the newest snapshot of name covering exactly paths, or nil.
func lastOf(ctx context.Context, r *repo.Repo, name string, paths []string, log *slog.Logger) (*repo.Entry, error) {
	snaps, err := r.Snapshots(ctx)
	if err != nil && len(snaps) == 0 {
		return nil, err
	}
	if err != nil {
		// A damaged record among others does not stop a backup; at worst unchanged
		// files are read again.
		log.Warn("some backups on the target could not be read", "err", err)
	}
	want := slices.Sorted(slices.Values(paths))
	for i := len(snaps) - 1; i >= 0; i-- {
		s := snaps[i]
		if s.PC == name && slices.Equal(slices.Sorted(slices.Values(s.Paths)), want) {
			return &s, nil
		}
	}
	return nil, nil
}
