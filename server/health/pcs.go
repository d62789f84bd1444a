package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/catalog"
)

// pcState is what the server knows of one PC: its agent's last report and its backups.
type pcState struct {
	name, owner string
	report      *schema.PCReport
	seen        time.Time // when the report arrived, by the server's clock
	backups     bool      // it has backed up here
	lastBackup  time.Time
}

// ErrNotOwner: the PC belongs to another user.
var ErrNotOwner = errors.New("this PC belongs to another user")

// ErrBadReport: a PC's report is not one Hearth can use.
var ErrBadReport = errors.New("the health report is not valid")

// Limits on a report: a PC has a handful of checks, and its words are shown to people.
const (
	maxChecks   = 64
	maxField    = 1000
	maxReportSz = 256 << 10
)

var areas = map[string]bool{"backup": true, "storage": true, "network": true, "security": true, "updates": true}

// validate refuses a report the tray could not show sensibly.
func validate(r schema.PCReport) error {
	if len(r.Checks) > maxChecks {
		return fmt.Errorf("%w: %d checks, at most %d", ErrBadReport, len(r.Checks), maxChecks)
	}
	seen := map[string]bool{}
	for _, c := range r.Checks {
		switch {
		case c.ID == "" || len(c.ID) > 200 || seen[c.ID]:
			return fmt.Errorf("%w: check id %q missing, too long or repeated", ErrBadReport, c.ID)
		case !areas[c.Area]:
			return fmt.Errorf("%w: check %s: area %q", ErrBadReport, c.ID, c.Area)
		case c.State != schema.Good && c.State != schema.Unknown && c.State != schema.Warning && c.State != schema.Critical:
			return fmt.Errorf("%w: check %s: state %q", ErrBadReport, c.ID, c.State)
		case c.Title == "" || len(c.Title) > maxField || len(c.Sentence) > maxField:
			return fmt.Errorf("%w: check %s: title or sentence missing or too long", ErrBadReport, c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

// Report records what a PC's agent found. user is who sent it; a PC belongs to whoever
// first reported or backed it up, and only they or an administrator report for it.
func (m *Monitor) Report(ctx context.Context, pc, user string, admin bool, r schema.PCReport) error {
	if err := backup.CheckPCName(pc); err != nil {
		return fmt.Errorf("%w: %w", ErrBadReport, err)
	}
	if err := validate(r); err != nil {
		return err
	}
	m.mu.Lock()
	cur, known := m.pcs[strings.ToLower(pc)]
	m.mu.Unlock()
	if b, err := m.opt.Backups.PC(ctx, pc); err == nil {
		cur.name, cur.owner, known = b.Name, b.Owner, true // whose backups they are, whose PC it is
	}
	owner := user
	if known {
		if !admin && !strings.EqualFold(cur.owner, user) {
			return fmt.Errorf("%s: %w (%s)", pc, ErrNotOwner, cur.owner)
		}
		owner, pc = cur.owner, cur.name
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	seen := m.opt.Now()
	err = m.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		return tx.PutPCReport(ctx, catalog.PCReport{PC: pc, Owner: owner, Report: data, Seen: seen})
	})
	if err != nil {
		return err
	}
	m.mu.Lock()
	cur = m.pcs[strings.ToLower(pc)]
	cur.name, cur.owner, cur.report, cur.seen = pc, owner, &r, seen
	m.pcs[strings.ToLower(pc)] = cur
	m.mu.Unlock()
	m.apply(ctx)
	return nil
}

// Forget drops a PC's reports (one that left the house); its backups stay.
func (m *Monitor) Forget(ctx context.Context, pc string) error {
	err := m.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error { return tx.DeletePCReport(ctx, pc) })
	if err != nil {
		return err
	}
	m.mu.Lock()
	k := strings.ToLower(pc)
	if s, ok := m.pcs[k]; ok && s.backups {
		s.report, s.seen = nil, time.Time{}
		m.pcs[k] = s
	} else {
		delete(m.pcs, k)
	}
	m.mu.Unlock()
	m.apply(ctx)
	return nil
}

// readBackups learns each PC's newest backup.
func (m *Monitor) readBackups(ctx context.Context) error {
	pcs, err := m.opt.Backups.PCs(ctx)
	if err != nil {
		return fmt.Errorf("list the PCs that back up: %w", err)
	}
	last := map[string]pcState{}
	for _, p := range pcs {
		snaps, err := m.opt.Backups.Snapshots(ctx, p.Name)
		if err != nil {
			return fmt.Errorf("list %s's backups: %w", p.Name, err)
		}
		s := pcState{name: p.Name, owner: p.Owner, backups: true}
		if len(snaps) > 0 {
			s.lastBackup = snaps[len(snaps)-1].Time
		}
		last[strings.ToLower(p.Name)] = s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, s := range m.pcs {
		b, ok := last[k]
		if !ok && s.report == nil {
			delete(m.pcs, k)
			continue
		}
		s.backups, s.lastBackup = b.backups, b.lastBackup
		if ok {
			s.owner = b.owner // the backups' owner is the PC's owner
		}
		m.pcs[k] = s
		delete(last, k)
	}
	for k, s := range last {
		m.pcs[k] = s
	}
	return nil
}

// pcAlerts are the alerts about PCs: their own checks, and their backups' age.
func (m *Monitor) pcAlerts(now time.Time) []schema.Alert {
	var out []schema.Alert
	for _, s := range m.pcs {
		words := map[string]string{"pc": s.name}
		switch {
		case s.backups && !s.lastBackup.IsZero() && now.Sub(s.lastBackup) > m.opt.BackupOverdue:
			words["when"] = ago(now, s.lastBackup)
			out = append(out, onPC(raise("backup-overdue", s.name, words), s.name))
		case !s.backups && s.report != nil:
			out = append(out, onPC(raise("backup-never", s.name, words), s.name))
		}
		if s.report == nil {
			continue
		}
		for _, c := range s.report.Checks {
			if c.State != schema.Warning && c.State != schema.Critical || c.Area == "backup" {
				continue // the server judges backups from the backups it holds
			}
			a := raise("pc-check", c.ID, map[string]string{"pc": s.name, "title": c.Title, "sentence": c.Sentence})
			a.Severity = c.State
			out = append(out, onPC(a, s.name))
		}
	}
	return out
}

func onPC(a schema.Alert, pc string) schema.Alert {
	a.PC = pc
	return a
}
