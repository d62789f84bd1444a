package catalog

import (
	"context"
	"fmt"
	"time"
)

// PCReport is what a PC's agent last reported of its health, as the JSON it sent. An
// empty Report marks a PC an administrator said is gone.
type PCReport struct {
	PC     string
	Owner  string
	Report []byte
	Seen   time.Time
}

// PCReports returns every PC's last report.
func (tx *Tx) PCReports(ctx context.Context) ([]PCReport, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT pc, owner, report, seen_ns FROM pc_health ORDER BY pc")
	if err != nil {
		return nil, fmt.Errorf("read PC health: %w", err)
	}
	defer rows.Close()
	var out []PCReport
	for rows.Next() {
		var r PCReport
		var seen int64
		if err := rows.Scan(&r.PC, &r.Owner, &r.Report, &seen); err != nil {
			return nil, fmt.Errorf("read PC health: %w", err)
		}
		r.Seen = nsTime(seen)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutPCReport keeps a PC's newest report in place of its last.
func (tx *Tx) PutPCReport(ctx context.Context, r PCReport) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO pc_health(pc, owner, report, seen_ns) VALUES(?, ?, ?, ?)
		ON CONFLICT(pc) DO UPDATE SET pc = excluded.pc, owner = excluded.owner, report = excluded.report, seen_ns = excluded.seen_ns`,
		r.PC, r.Owner, r.Report, timeNS(r.Seen))
	if err != nil {
		return fmt.Errorf("record PC health: %w", err)
	}
	return nil
}

// Alert is an alert that held at the last check: its key, when it began, its title.
type Alert struct {
	Key   string
	Since time.Time
	Title string
}

// Alerts returns the alerts that held at the last check.
func (tx *Tx) Alerts(ctx context.Context) ([]Alert, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT key, since_ns, title FROM alerts")
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var ns int64
		if err := rows.Scan(&a.Key, &ns, &a.Title); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		a.Since = nsTime(ns)
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetAlerts replaces the alerts that hold.
func (tx *Tx) SetAlerts(ctx context.Context, alerts []Alert) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM alerts"); err != nil {
		return fmt.Errorf("record alerts: %w", err)
	}
	for _, a := range alerts {
		if _, err := tx.q.ExecContext(ctx, "INSERT INTO alerts(key, since_ns, title) VALUES(?, ?, ?)", a.Key, timeNS(a.Since), a.Title); err != nil {
			return fmt.Errorf("record alerts: %w", err)
		}
	}
	return nil
}
