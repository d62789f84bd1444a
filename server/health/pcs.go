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
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/catalog"
)

// pcState is what the server knows of one PC: its agent's last report and its backups.
type pcState struct {
	name, owner string
	report      *schema.PCReport
	seen        time.Time // when the report arrived, by the server's clock
	forgotten   time.Time // an administrator said the PC is gone; its old backups stay
	backups     bool      // it has backed up here
	lastBackup  time.Time
}

// gone: the PC was forgotten and has not backed up or reported since.
func (s pcState) gone() bool {
	return !s.forgotten.IsZero() && s.report == nil && !s.lastBackup.After(s.forgotten)
}

// ErrNotOwner: the PC belongs to another user.
var ErrNotOwner = errors.New("this PC belongs to another user")

// ErrBadReport: a PC's report is not one Hearth can use.
var ErrBadReport = errors.New("the health report is not valid")

// validate refuses a report the tray could not show sensibly.
func validate(r schema.PCReport) error {
	if len(r.Checks) > schema.MaxChecks {
		return fmt.Errorf("%w: %d checks, at most %d", ErrBadReport, len(r.Checks), schema.MaxChecks)
	}
	seen := map[string]bool{}
	for _, c := range r.Checks {
		switch {
		case c.ID == "" || len(c.ID) > schema.MaxCheckText || seen[c.ID]:
			return fmt.Errorf("%w: check id %q missing, too long or repeated", ErrBadReport, c.ID)
		case !knownArea(c.Area):
			return fmt.Errorf("%w: check %s: area %q", ErrBadReport, c.ID, c.Area)
		case c.State != schema.Good && c.State != schema.Unknown && c.State != schema.Warning && c.State != schema.Critical:
			return fmt.Errorf("%w: check %s: state %q", ErrBadReport, c.ID, c.State)
		case c.Title == "" || len(c.Title) > schema.MaxCheckText || len(c.Sentence) > schema.MaxCheckText:
			return fmt.Errorf("%w: check %s: title or sentence missing or too long", ErrBadReport, c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

func knownArea(a string) bool {
	switch a {
	case "backup", "storage", "network", "security", "updates":
		return true
	}
	return false
}

// Report records what a PC's agent found. user is who sent it. A PC belongs to the owner
// of its backups, or else to whoever first reported for it; only they or an
// administrator report for it.
func (m *Monitor) Report(ctx context.Context, pc, user string, admin bool, r schema.PCReport) error {
	if err := backup.CheckPCName(pc); err != nil {
		return fmt.Errorf("%w: %w", ErrBadReport, err)
	}
	if err := validate(r); err != nil {
		return err
	}
	m.reportMu.Lock() // whose PC it is is decided and recorded as one step
	defer m.reportMu.Unlock()
	name, owner, err := m.ownerOf(ctx, pc)
	if err != nil {
		return err
	}
	if owner == "" {
		name, owner = pc, user
	}
	if !admin && !strings.EqualFold(owner, user) {
		return fmt.Errorf("%s: %w", pc, ErrNotOwner)
	}
	k := strings.ToLower(name)
	m.mu.Lock()
	prev := m.pcs[k].report
	m.mu.Unlock()
	r.Checks = keepUnconfirmed(prev, r.Checks)
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	seen := m.opt.Now()
	err = m.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		return tx.PutPCReport(ctx, catalog.PCReport{PC: name, Owner: owner, Report: data, Seen: seen})
	})
	if err != nil {
		return err
	}
	m.mu.Lock()
	cur := m.pcs[k]
	cur.name, cur.owner, cur.report, cur.seen, cur.forgotten = name, owner, &r, seen, time.Time{}
	m.pcs[k] = cur
	m.notify()
	m.mu.Unlock()
	m.apply(ctx)
	return nil
}

// ownerOf returns a PC's name as first known and its owner: its backups' owner, or who
// first reported for it; "" when nobody has.
func (m *Monitor) ownerOf(ctx context.Context, pc string) (name, owner string, err error) {
	pcs, err := m.opt.Backups.PCs(ctx)
	if err != nil {
		return "", "", fmt.Errorf("find whose PC %s is: %w", pc, err)
	}
	for _, p := range pcs {
		if strings.EqualFold(p.Name, pc) {
			return p.Name, p.Owner, nil
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.pcs[strings.ToLower(pc)]
	return s.name, s.owner, nil
}

// keepUnconfirmed keeps a warning or critical check that could not be made this time
// (its tool timed out, say): not knowing is not the same as being fixed.
func keepUnconfirmed(prev *schema.PCReport, checks []schema.Check) []schema.Check {
	if prev == nil {
		return checks
	}
	bad := map[string]schema.Check{}
	for _, c := range prev.Checks {
		if c.State == schema.Warning || c.State == schema.Critical {
			bad[c.ID] = c
		}
	}
	for i, c := range checks {
		if p, ok := bad[c.ID]; ok && c.State == schema.Unknown {
			checks[i] = p
		}
	}
	return checks
}

// Forget drops a PC that is gone: its reports, and its alerts until it backs up or
// reports again. Its backups stay.
func (m *Monitor) Forget(ctx context.Context, pc string) error {
	m.reportMu.Lock()
	defer m.reportMu.Unlock()
	name, owner, err := m.ownerOf(ctx, pc)
	if err != nil {
		return err
	}
	if owner == "" {
		return fmt.Errorf("%s: %w: no PC of that name reports or backs up here", pc, catalog.ErrNotFound)
	}
	now := m.opt.Now()
	// The row stays, empty, so the PC's old backups do not raise alerts after a restart.
	err = m.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		return tx.PutPCReport(ctx, catalog.PCReport{PC: name, Owner: owner, Report: []byte{}, Seen: now})
	})
	if err != nil {
		return err
	}
	m.mu.Lock()
	k := strings.ToLower(name)
	s := m.pcs[k]
	s.name, s.owner, s.report, s.seen, s.forgotten = name, owner, nil, time.Time{}, now
	m.pcs[k] = s
	m.notify()
	m.mu.Unlock()
	m.apply(ctx)
	return nil
}

// readBackups learns each PC's newest backup.
func (m *Monitor) readBackups(ctx context.Context) error {
	read := m.beginRead()
	pcs, err := m.opt.Backups.PCs(ctx)
	if err != nil {
		return fmt.Errorf("list the PCs that back up: %w", err)
	}
	last := map[string]pcState{}
	for _, p := range pcs {
		s, err := m.backupsOf(ctx, p)
		if err != nil {
			return err
		}
		last[strings.ToLower(p.Name)] = s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := false
	for k := range m.pcs {
		if _, ok := last[k]; !ok {
			changed = m.learnBackups(k, pcState{}, false, read) || changed
		}
	}
	for k, b := range last {
		changed = m.learnBackups(k, b, true, read) || changed
	}
	if changed {
		m.notify()
	}
	return nil
}

// BackupsChanged reads pc's backups again now. The backup store calls it when one is
// stored, let go, deleted or brought back, so the health stream tells the tray and the
// console the PC's last backup at once, not at the next full check minutes later.
func (m *Monitor) BackupsChanged(ctx context.Context, pc string) {
	// The backups changed whether or not whoever changed them still waits.
	ctx = context.WithoutCancel(ctx)
	if err := m.readPC(ctx, pc); err != nil {
		m.opt.Log.Warn("could not read a PC's backups after they changed; the next health check will", "pc", pc, "err", err)
		return
	}
	m.apply(ctx)
}

// readPC learns one PC's newest backup.
func (m *Monitor) readPC(ctx context.Context, pc string) error {
	read := m.beginRead()
	p, err := m.opt.Backups.PC(ctx, pc)
	held := err == nil
	if err != nil && !errors.Is(err, backupstore.ErrNoSnapshot) {
		return fmt.Errorf("read %s's backups: %w", pc, err)
	}
	var b pcState
	if held {
		if b, err = m.backupsOf(ctx, p); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.learnBackups(strings.ToLower(pc), b, held, read) {
		m.notify()
	}
	return nil
}

// beginRead numbers a read of the backups, before it begins.
func (m *Monitor) beginRead() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	return m.reads
}

// backupsOf reads what the health shows of p's backups: that it backs up, and its newest.
func (m *Monitor) backupsOf(ctx context.Context, p backupstore.PC) (pcState, error) {
	snaps, err := m.opt.Backups.Snapshots(ctx, p.Name)
	if err != nil {
		return pcState{}, fmt.Errorf("list %s's backups: %w", p.Name, err)
	}
	s := pcState{name: p.Name, owner: p.Owner, backups: true}
	if len(snaps) > 0 {
		s.lastBackup = snaps[len(snaps)-1].Time
	}
	return s, nil
}

// learnBackups takes what read found of PC k's backups (held: it backs up here, as b
// says), unless the PC holds a later read's: a full check that began before a backup was
// stored must not put back the "never backed up" it saw. It says whether anything a
// viewer sees changed; m.mu is held.
func (m *Monitor) learnBackups(k string, b pcState, held bool, read uint64) bool {
	if m.readAt[k] > read {
		return false
	}
	m.readAt[k] = read
	s, known := m.pcs[k]
	switch {
	case !known && !held:
		return false
	case !known:
		m.pcs[k] = b
		return true
	case !held && s.report == nil && s.forgotten.IsZero():
		delete(m.pcs, k)
		return true
	}
	if held { // the backups' owner and spelling are the PC's
		s.name, s.owner = b.name, b.owner
	}
	changed := s.backups != b.backups || !s.lastBackup.Equal(b.lastBackup)
	s.backups, s.lastBackup = b.backups, b.lastBackup
	m.pcs[k] = s
	return changed
}

// pcAlerts are the alerts about PCs: their own checks, and their backups' age.
func (m *Monitor) pcAlerts(now time.Time) []schema.Alert {
	var out []schema.Alert
	for _, s := range m.pcs {
		if s.gone() {
			continue
		}
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
