package catalog

import (
	"context"
	"fmt"
	"time"
)

// PCReport is what a PC's agent last reported of its health, as the JSON it sent.
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
		ON CONFLICT(pc) DO UPDATE SET owner = excluded.owner, report = excluded.report, seen_ns = excluded.seen_ns`,
		r.PC, r.Owner, r.Report, timeNS(r.Seen))
	if err != nil {
		return fmt.Errorf("record PC health: %w", err)
	}
	return nil
}

// DeletePCReport forgets a PC's health; ErrNotFound if it had none.
func (tx *Tx) DeletePCReport(ctx context.Context, pc string) error {
	res, err := tx.q.ExecContext(ctx, "DELETE FROM pc_health WHERE pc = ?", pc)
	if err != nil {
		return fmt.Errorf("forget PC health: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s: %w", pc, ErrNotFound)
	}
	return nil
}

// AlertsSince returns when each alert that held at the last check began, by its key.
func (tx *Tx) AlertsSince(ctx context.Context) (map[string]time.Time, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT key, since_ns FROM alerts")
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var k string
		var ns int64
		if err := rows.Scan(&k, &ns); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		out[k] = nsTime(ns)
	}
	return out, rows.Err()
}

// SetAlertsSince replaces the alerts that hold and when each began.
func (tx *Tx) SetAlertsSince(ctx context.Context, since map[string]time.Time) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM alerts"); err != nil {
		return fmt.Errorf("record alerts: %w", err)
	}
	for k, t := range since {
		if _, err := tx.q.ExecContext(ctx, "INSERT INTO alerts(key, since_ns) VALUES(?, ?)", k, timeNS(t)); err != nil {
			return fmt.Errorf("record alerts: %w", err)
		}
	}
	return nil
}
