package health

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// key names an alert: one per problem, PC and subject. PC names compare without case,
// as the PCs' backups do.
func key(a schema.Alert) string { return a.Code + "|" + strings.ToLower(a.PC) + "|" + a.Subject }

// load reads the PCs' last reports and when the alerts that held at the last check began.
func (m *Monitor) load(ctx context.Context) error {
	return m.opt.Catalog.View(ctx, func(tx *catalog.Tx) error {
		held, err := tx.Alerts(ctx)
		if err != nil {
			return err
		}
		for _, a := range held {
			m.since[a.Key], m.titles[a.Key] = a.Since, a.Title
		}
		reports, err := tx.PCReports(ctx)
		if err != nil {
			return err
		}
		for _, r := range reports {
			if len(r.Report) == 0 { // forgotten by an administrator
				m.pcs[strings.ToLower(r.PC)] = pcState{name: r.PC, owner: r.Owner, forgotten: r.Seen}
				continue
			}
			var rep schema.PCReport
			if err := json.Unmarshal(r.Report, &rep); err != nil {
				m.opt.Log.Warn("a PC's last health report is unreadable; waiting for its next", "pc", r.PC, "err", err)
				continue
			}
			m.pcs[strings.ToLower(r.PC)] = pcState{name: r.PC, owner: r.Owner, report: &rep, seen: r.Seen}
		}
		return nil
	})
}

// Check looks at the server now: its drives, their disks, space, files at risk, the
// last scrub and each PC's backups.
func (m *Monitor) Check(ctx context.Context) error {
	st, err := m.opt.Pool.Status(ctx)
	if err != nil {
		return fmt.Errorf("read the pool's status: %w", err)
	}
	m.readDisks(ctx, st.Drives)
	var late []serverbackup.Overdue
	if m.opt.ServerBackups != nil {
		if late, err = m.opt.ServerBackups.Overdue(ctx, m.opt.Now()); err != nil {
			m.opt.Log.Warn("the health check could not read the server backups", "err", err)
		}
	}
	if err := m.readBackups(ctx); err != nil {
		m.opt.Log.Warn("the health check could not read the backups", "err", err)
	}
	m.mu.Lock()
	var drvAlerts []schema.Alert
	drives := make([]schema.DriveInfo, 0, len(st.Drives))
	for _, d := range st.Drives {
		info, as := driveHealth(d, m.disks[d.ID])
		drives = append(drives, info)
		drvAlerts = append(drvAlerts, as...)
	}
	m.server = slices.Concat(alerts(drvAlerts), poolAlerts(st, m.opt.Now(), m.opt.ScrubEvery), alerts(serverBackupAlerts(late, m.opt.Now())))
	if !reflect.DeepEqual(drives, m.drives) {
		m.notify()
	}
	m.status, m.drives, m.checked, m.ready = st, drives, m.opt.Now(), true
	m.states = map[string]pool.State{}
	for _, d := range st.Drives {
		m.states[d.ID] = d.State
	}
	m.mu.Unlock()
	m.apply(ctx)
	return nil
}

// apply makes the current alerts what the last check and the PCs' reports say: new ones
// are raised with an event, gone ones cleared with an event, and the start times kept.
func (m *Monitor) apply(ctx context.Context) {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	now := m.opt.Now()
	m.mu.Lock()
	if !m.ready {
		// Until the first check the server's own alerts are unknown: judging now would
		// clear them, and restart their "since" at the check.
		m.mu.Unlock()
		return
	}
	want := map[string]alert{}
	for _, a := range slices.Concat(m.server, alerts(m.pcAlerts(now)), alerts(m.serviceAlerts(now))) {
		k := key(a.Alert)
		a.Since = now
		if t, ok := m.since[k]; ok {
			a.Since = t
		}
		want[k] = a
	}
	var events []catalog.Event
	// m.since holds the alerts that held at the last check, also before a restart.
	for k, a := range want {
		if _, ok := m.since[k]; !ok {
			events = append(events, catalog.Event{At: now, Kind: EventKind, Source: subjectOf(a.Alert), Text: a.Severity + ": " + a.Title + ". " + a.Sentence})
			m.opt.Log.Warn("health alert raised", "title", a.Title, "severity", a.Severity, "detail", a.Sentence)
		}
	}
	for k, t := range m.since {
		if _, ok := want[k]; !ok {
			code, rest, _ := strings.Cut(k, "|")
			pc, subject, _ := strings.Cut(rest, "|")
			source := subjectOf(schema.Alert{PC: cmp.Or(m.alerts[k].PC, pc), Subject: subject})
			events = append(events, catalog.Event{At: now, Kind: EventKind, Source: source, Text: "cleared: " + cmp.Or(m.titles[k], code)})
			m.opt.Log.Info("health alert cleared", "title", cmp.Or(m.titles[k], code), "since", t)
		}
	}
	changed := !maps.EqualFunc(want, m.alerts, func(a, b alert) bool { return reflect.DeepEqual(a, b) })
	since, titles := map[string]time.Time{}, map[string]string{}
	var held []catalog.Alert
	for k, a := range want {
		since[k], titles[k] = a.Since, a.Title
		held = append(held, catalog.Alert{Key: k, Since: a.Since, Title: a.Title})
	}
	persist := !maps.Equal(since, m.since) || !maps.Equal(titles, m.titles)
	m.alerts, m.since, m.titles = want, since, titles
	if changed {
		m.notify()
	}
	m.mu.Unlock()
	if !persist && len(events) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // memory has moved on: the record must follow
	err := m.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		for _, e := range events {
			if err := tx.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		return tx.SetAlerts(ctx, held)
	})
	if err != nil && ctx.Err() == nil {
		m.opt.Log.Warn("could not record the health alerts", "err", err)
	}
}

// EventKind is the kind of the events health records in the catalog.
const EventKind = "health"

func subjectOf(a schema.Alert) string {
	switch {
	case a.PC != "":
		return a.PC
	case a.Subject != "":
		return a.Subject
	}
	return "server"
}

// Events lists the newest alerts raised and cleared, newest first.
func (m *Monitor) Events(ctx context.Context, limit int) ([]catalog.Event, error) {
	var out []catalog.Event
	err := m.opt.Catalog.View(ctx, func(tx *catalog.Tx) (err error) {
		out, err = tx.Events(ctx, EventKind, limit)
		return err
	})
	return out, err
}
