package backupclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

// Options say what a backup covers.
type Options struct {
	Paths, Exclude []string
	Progress       func(archiver.Progress)
	Log            *slog.Logger
	Source         archiver.Source
}

// BackupWith backs the PC that joined as cfg up now, as settings say: what 'hearth
// backup' and the tray's "Back up now" do.
func BackupWith(ctx context.Context, cfg connector.Config, set connector.BackupSettings, progress func(archiver.Progress)) (schema.Snapshot, error) {
	c, err := New(cfg)
	if err != nil {
		return schema.Snapshot{}, err
	}
	paths, err := set.Paths()
	if err != nil {
		return schema.Snapshot{}, err
	}
	return c.Backup(ctx, Options{Paths: paths, Exclude: set.Excludes(), Progress: progress})
}

// Backup backs the PC up now: it compares with the latest backup, sends what the server
// lacks and records the new backup. When the server turns out to lack something the
// latest backup had (a garbage collection took it), it backs up once more reading every
// file.
func (c *Client) Backup(ctx context.Context, opt Options) (schema.Snapshot, error) {
	var parent *backup.Snapshot
	var parentID *backup.ID
	if id, s, err := c.Snapshot(ctx, "latest"); err == nil {
		parent, parentID = &s, &id
	} else {
		var se *StatusError
		if errors.As(err, &se) {
			return schema.Snapshot{}, err
		}
	}
	for attempt := 0; ; attempt++ {
		out, err := c.backupOnce(ctx, opt, parent, parentID)
		var inc *ErrIncomplete
		switch {
		case attempt > 0:
		case errors.As(err, &inc):
			// Something the previous backup had is gone: read every file.
			parent, parentID = nil, nil
			continue
		case errors.Is(err, ErrSessionGone):
			// The server restarted or the PC slept: what was sent is there; go again.
			continue
		}
		return out, err
	}
}

func (c *Client) backupOnce(ctx context.Context, opt Options, parent *backup.Snapshot, parentID *backup.ID) (schema.Snapshot, error) {
	sess, err := c.Begin(ctx, parentID)
	if err != nil {
		return schema.Snapshot{}, fmt.Errorf("start the backup: %w", err)
	}
	if !sess.ParentOK {
		parent, parentID = nil, nil
	}
	snap, err := archiver.Run(ctx, sess, archiver.Options{PC: c.pc, Paths: opt.Paths, Exclude: opt.Exclude, Parent: parent, ParentID: parentID,
		Progress: opt.Progress, Log: opt.Log, Source: opt.Source})
	if err != nil {
		// What arrived stays on the server and is not sent again next time.
		sess.End(context.WithoutCancel(ctx))
		return schema.Snapshot{}, err
	}
	return sess.Commit(ctx, snap)
}

// Restore brings back sub (a path inside the backup, "" for all) of a backup into dir.
func (c *Client) Restore(ctx context.Context, which, sub, dir string) (restorer.Stats, error) {
	_, s, err := c.Snapshot(ctx, which)
	if err != nil {
		return restorer.Stats{}, err
	}
	return restorer.Restore(ctx, c, s.Tree, sub, dir)
}
