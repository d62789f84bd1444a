package main

import (
	"context"
	"time"

	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/server/api/schema"
)

// healthBackoff: the console is looked at while it is open, so it tries the server
// again every few seconds rather than every minute as the tray does; a server back is
// shown within seconds.
func healthBackoff() status.Backoff { return status.Backoff{First: time.Second, Max: 5 * time.Second} }

// followHealth follows the server's health stream with the tray's code (status.Follow):
// Home says at once when the server stops or goes away, and again when it is back; each
// change of health redraws Health and reads the backups again (the server's cleanup may
// have let some go). It replaces the follower of an earlier server.
func (c *console) followHealth(ctx context.Context) {
	if c.stopHealth != nil {
		c.stopHealth()
	}
	ctx, c.stopHealth = context.WithCancel(ctx)
	cfg := c.cfg
	go status.Follow(ctx, cfg.WatchHealth, healthBackoff(), func(h *schema.Health, online bool, why error) {
		c.work.ui(func() { c.heard(h, online, why) })
	})
}

// heard shows what the health stream said.
func (c *console) heard(h *schema.Health, online bool, why error) {
	c.online = online
	if h != nil {
		c.health = h
	}
	c.why = why
	c.showReach()
	c.showHealth()
	if online {
		c.refreshBackups()
	}
}

// showReach says on Home whether the server answers, and how the house is.
func (c *console) showReach() {
	var h *schema.Health
	if c.health != nil {
		s := settled(*c.health, c.cfg.DeviceName, c.last)
		h = &s
	}
	c.home.state.SetText(reachWords(h, c.online, c.why))
}

// reachWords (h settled): how the house is when the server answers; else, in plain words, that it
// does not and that Hearth keeps trying.
func reachWords(h *schema.Health, online bool, why error) string {
	switch {
	case online && h != nil:
		return summary(*h)
	case status.Trouble(why) != "":
		return status.Trouble(why) + "."
	}
	return sayStopped
}

// sayStopped: the server stopped answering, or never did.
const sayStopped = "The server cannot be reached. Check that it is switched on and that this PC is connected to the home network or the internet; Hearth tries again by itself."

// showHealth draws the Health page again from the server's last word.
func (c *console) showHealth() {
	if c.tabs == nil || len(c.tabs.Items) < 2 {
		return
	}
	c.tabs.Items[1].Content = healthPage(c.health, c.online, c.why, c.cfg.DeviceName, c.now(), c.last)
	c.tabs.Refresh()
}

// learnLast takes news of a backup of this PC (from the agent, this window, or the list
// the page opened with): it becomes the last backup, shown on Home and Health, when it
// is newer than the one known. It says whether it was taken. The same news is taken
// once: the agent keeps telling of its last run, which may since have been deleted.
func (c *console) learnLast(s schema.Snapshot) bool {
	if s.ID == c.news || c.last != nil && !s.Time.After(c.last.Time) {
		return false
	}
	c.news, c.newsAt = s.ID, c.lists
	c.setLast(&s)
	return true
}

// heardList shows the server's list of this PC's backups (oldest first) read by refresh
// number read: on the Backups page, and its newest as the last backup, or none. The
// server's list is the truth: a backup let go or deleted leaves Home and Health as well
// as the list. A read answered after a later one is not shown; nor does one begun before
// news of a newer backup take that news back.
func (c *console) heardList(read int, snaps []schema.Snapshot) {
	if read < c.listed {
		return
	}
	c.listed = read
	if c.backups != nil {
		c.backups.update(snaps)
	}
	var newest *schema.Snapshot
	if n := len(snaps); n > 0 {
		newest = &snaps[n-1]
	}
	if read <= c.newsAt && c.last != nil && (newest == nil || c.last.Time.After(newest.Time)) {
		return
	}
	if newest == nil && c.last == nil || newest != nil && c.last != nil && newest.ID == c.last.ID {
		return
	}
	c.setLast(newest)
}

// setLast makes s this PC's last backup (nil: none) and shows it on Home and Health.
func (c *console) setLast(s *schema.Snapshot) {
	c.last = s
	c.home.last.SetText(lastWords(c.now(), c.last))
	c.showReach()
	c.showHealth()
}

// settled is h as this PC knows it: the server reads a PC's backups again as soon as
// one is stored, but the agent or this window may tell of it a moment before the health
// stream does; last (this PC's newest backup, nil when unknown) may be newer news. Those alerts about pc are dropped when last is newer than what the server
// judged, and pc's last backup is last.
func settled(h schema.Health, pc string, last *schema.Snapshot) schema.Health {
	if last == nil || pc == "" {
		return h
	}
	var judged time.Time
	pcs := make([]schema.PCHealth, len(h.PCs))
	copy(pcs, h.PCs)
	for i, p := range pcs {
		if p.Name == pc {
			if p.LastBackup != nil {
				judged = *p.LastBackup
			}
			if last.Time.After(judged) {
				t := last.Time
				pcs[i].LastBackup = &t
			}
		}
	}
	h.PCs = pcs
	if !last.Time.After(judged) {
		return h
	}
	var alerts []schema.Alert
	h.State = schema.Good
	for _, a := range h.Alerts {
		if a.PC == pc && (a.Code == "backup-never" || a.Code == "backup-overdue") {
			continue
		}
		alerts = append(alerts, a)
		h.State = schema.Worse(h.State, a.Severity)
	}
	h.Alerts = alerts
	return h
}
