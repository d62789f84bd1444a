package main

import (
	"context"
	"errors"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/server/api/schema"
)

// settingsEvery is how often the tray reads the connector's settings again.
const settingsEvery = 3 * time.Second

// follow keeps the tray on the server the connector's settings name. It reads them every
// few seconds, so a PC that joins or leaves in the console (or with 'hearth join') shows
// it without a restart.
func (t *tray) follow() {
	stop := func() {}
	defer func() { stop() }()
	var current connector.Config
	joined, first, warned := false, true, false
	tick := time.NewTicker(settingsEvery)
	defer tick.Stop()
	for {
		cfg, err := connector.Load(t.configPath)
		switch {
		case err != nil && !errors.Is(err, connector.ErrNotJoined):
			// A file being written, or one a person broke: keep to what was read last.
			if !warned {
				t.log.Warn("cannot read the connector's settings", "err", err)
				warned = true
			}
			if first { // nothing read yet: show the PC as not joined, as it cannot act
				stop = t.switchTo(connector.Config{}, false)
				first = false
			}
		case first || (err == nil) != joined || (err == nil && !sameServer(cfg, current)):
			stop()
			stop = t.switchTo(cfg, err == nil)
			current, joined, first, warned = cfg, err == nil, false, false
		}
		select {
		case <-t.ctx.Done():
			return
		case <-tick.C:
			t.redraw() // "tomorrow at 03:00" is "today at 03:00" after midnight
		}
	}
}

// switchTo shows this PC as joined with cfg, or not joined, and follows that server's
// health until the returned function is called.
func (t *tray) switchTo(cfg connector.Config, joined bool) (stop func()) {
	t.mu.Lock()
	t.gen++
	gen := t.gen
	t.cfg, t.joined = cfg, joined
	t.health, t.online, t.trouble, t.notifier = nil, false, "", status.Notifier{}
	t.admin, t.roleAsked = false, true // asked below, before the health is followed
	t.mu.Unlock()
	t.redraw()
	if !joined {
		return func() {}
	}
	ctx, cancel := context.WithCancel(t.ctx)
	go func() {
		// The role first, so the menu's first state from the server offers Manage the
		// server to an administrator, and a menu without it is a plain user's.
		t.learnRole(ctx, gen, cfg)
		status.Follow(ctx, cfg.WatchHealth, status.Backoff{}, func(h *schema.Health, online bool, why error) {
			t.heard(gen, h, online, why)
		})
	}()
	return cancel
}

// sameServer says whether a and b are the same PC on the same server.
func sameServer(a, b connector.Config) bool {
	return a.Server == b.Server && a.User == b.User && a.DeviceName == b.DeviceName && a.Token == b.Token
}
