package main

import (
	"context"

	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

// facts is what the pages show, read from the server at once so a page draws from one
// moment (and tests can fix the clock's parts).
type facts struct {
	server, user, pc string
	health           *schema.Health // nil when the server could not be asked
	admin            bool           // the user is an administrator, who may manage the server
	last             *schema.Snapshot
	snapshots        []schema.Snapshot // oldest first
	next             time.Time         // the next nightly backup
	err              error             // why the server could not be asked
}

// gather reads the facts for the PC that joined as cfg.
func gather(ctx context.Context, cfg connector.Config, now time.Time) facts {
	f := facts{server: cfg.Server, user: cfg.User, pc: cfg.DeviceName}
	f.next, _ = cfg.Backup.Next(now)
	h, err := cfg.Health(ctx)
	if err != nil {
		f.err = err
		return f
	}
	f.health = &h
	if me, err := cfg.Me(ctx); err == nil { // without it, Home offers no Manage the server
		f.admin = me.Admin
	}
	c, err := backupclient.New(cfg)
	if err == nil {
		var snaps []schema.Snapshot
		if snaps, err = c.Snapshots(ctx); err == nil && len(snaps) > 0 {
			f.last, f.snapshots = &snaps[len(snaps)-1], snaps
		}
	}
	f.err = err
	return f
}
