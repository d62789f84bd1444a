package backupclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

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
	// Waiting, when set, makes a backup that finds another of this PC running wait for
	// it to end, telling Waiting once why; unset, the backup fails with ErrRunning.
	// WaitEvery is how often it asks the server again (default 15 seconds).
	Waiting   func(why string)
	WaitEvery time.Duration
}

// aliveEvery is how often a running backup tells the server it still runs; the server
// takes a session silent for five minutes as left.
const aliveEvery = time.Minute

// BackupWith backs the PC that joined as cfg up now, as settings say: what 'hearth
// backup' and the tray's "Back up now" do. waiting, when set, is told once that another
// backup of this PC runs, and this one waits for it (see Options.Waiting).
func BackupWith(ctx context.Context, cfg connector.Config, set connector.BackupSettings, progress func(archiver.Progress), waiting func(string)) (schema.Snapshot, error) {
	c, err := New(cfg)
	if err != nil {
		return schema.Snapshot{}, err
	}
	paths, err := set.Paths()
	if err != nil {
		return schema.Snapshot{}, err
	}
	return c.Backup(ctx, Options{Paths: paths, Exclude: set.Excludes(), Progress: progress, Waiting: waiting})
}

// Backup backs the PC up now: it compares with the latest backup, sends what the server
// lacks and records the new backup. When the server turns out to lack something the
// latest backup had (a garbage collection took it), it backs up once more reading every
// file.
func (c *Client) Backup(ctx context.Context, opt Options) (schema.Snapshot, error) {
	release, err := c.lockRun(ctx, opt)
	if err != nil {
		return schema.Snapshot{}, err
	}
	defer release()
	c.endLeftSession(ctx)
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
	sess, err := c.begin(ctx, opt, parentID)
	if err != nil {
		return schema.Snapshot{}, fmt.Errorf("start the backup: %w", err)
	}
	c.noteSession(sess.id)
	defer c.noteSession("")
	if !sess.ParentOK {
		parent, parentID = nil, nil
	}
	actx, stop := context.WithCancel(ctx)
	go keepAlive(actx, sess)
	snap, err := archiver.Run(ctx, sess, archiver.Options{PC: c.pc, Paths: opt.Paths, Exclude: opt.Exclude, Parent: parent, ParentID: parentID,
		Progress: opt.Progress, Log: opt.Log, Source: opt.Source})
	if err == nil {
		var out schema.Snapshot
		if out, err = sess.Commit(ctx, snap); err == nil {
			stop()
			return out, nil
		}
	}
	stop()
	// What arrived stays on the server and is not sent again next time; the session
	// ends, so the next try (or another program's backup) may start.
	if !errors.Is(err, ErrSessionGone) {
		sess.End(context.WithoutCancel(ctx))
	}
	return schema.Snapshot{}, err
}

// begin starts a session, waiting while another backup of this PC runs if opt says so.
func (c *Client) begin(ctx context.Context, opt Options, parentID *backup.ID) (*Session, error) {
	told := false
	for {
		sess, err := c.Begin(ctx, parentID)
		if !errors.Is(err, ErrRunning) || opt.Waiting == nil {
			return sess, err
		}
		if !told {
			opt.Waiting(strings.TrimPrefix(err.Error(), ErrRunning.Error()+": "))
			told = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(cmp.Or(opt.WaitEvery, 15*time.Second)):
		}
	}
}

// keepAlive tells the server the session's backup runs until ctx ends.
func keepAlive(ctx context.Context, sess *Session) {
	t := time.NewTicker(aliveEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sess.Alive(ctx) // a failure shows in the backup's own requests
		}
	}
}

// Restore brings back sub (a path inside the backup, "" for all) of a backup into dir,
// meeting what is there already as opt says.
func (c *Client) Restore(ctx context.Context, which, sub, dir string, opt restorer.Options) (restorer.Stats, error) {
	_, s, err := c.Snapshot(ctx, which)
	if err != nil {
		return restorer.Stats{}, err
	}
	return restorer.Restore(ctx, c, s.Tree, sub, dir, opt)
}

// Conflicts counts what restoring sub of a backup into dir would replace, with the
// first few places.
func (c *Client) Conflicts(ctx context.Context, which, sub, dir string) (int, []string, error) {
	_, s, err := c.Snapshot(ctx, which)
	if err != nil {
		return 0, nil, err
	}
	return restorer.Conflicts(ctx, c, s.Tree, sub, dir)
}
