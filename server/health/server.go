package health

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// Space thresholds, as a share of the pool's capacity: the pool keeps a reserve on each
// drive, so "full" comes a little before the last byte.
const (
	spaceWarnPercent     = 10
	spaceCriticalPercent = 3
)

// driveHealth judges one drive from the pool's view of it and its own SMART verdict.
func driveHealth(d pool.DriveInfo, r diskRead) (schema.DriveInfo, []schema.Alert) {
	info := schema.DriveInfo{Label: d.Label, Path: d.Path, Pool: string(d.State), State: schema.Good, Total: d.Total, Free: d.Free,
		BadCopies: d.BadCopies}
	words := map[string]string{"drive": d.Label, "path": d.Path, "reason": ""}
	if d.Reason != "" {
		words["reason"] = " (" + d.Reason + ")"
	}
	switch d.State {
	case pool.StateMissing:
		info.State, info.SMART = schema.Critical, "The drive cannot be reached."
		return info, []schema.Alert{raise("drive-missing", d.Label, words)}
	case pool.StateFailing:
		info.State = schema.Critical
		return withSMART(info, r), []schema.Alert{raise("drive-failing", d.Label, words)}
	}
	info = withSMART(info, r)
	var alerts []schema.Alert
	if r.err == nil && len(r.rep.Problems) > 0 && info.State != schema.Good && info.State != schema.Unknown {
		alerts = append(alerts, smartAlert(d, r, info.State, words))
	}
	if d.BadCopies > 0 {
		// Reads and scrubs found copies on it that no longer match their checksum: the
		// disk may be failing even while its own SMART verdict is good.
		info.State = schema.Worse(info.State, schema.Warning)
		words["count"] = plural(d.BadCopies, "damaged copy", "damaged copies")
		alerts = append(alerts, raise("drive-bad-copies", d.Label, words))
	}
	return info, alerts
}

// smartAlert is the alert for the worst problem a disk reports of itself; the drive's
// line lists them all.
func smartAlert(d pool.DriveInfo, r diskRead, state string, words map[string]string) schema.Alert {
	words["model"], words["detail"] = r.rep.Model, r.rep.Problems[0]
	if words["model"] == "" {
		words["model"] = "model unknown"
	}
	code := "drive-smart-warning"
	if state == schema.Critical {
		code = "drive-smart-failing"
	}
	return raise(code, d.Label, words)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// withSMART adds the disk's own verdict to info.
func withSMART(info schema.DriveInfo, r diskRead) schema.DriveInfo {
	switch {
	case r.at.IsZero():
		info.SMART = "Not checked yet."
		return info
	case r.err != nil:
		info.SMART = r.why
		info.State = schema.Worse(info.State, schema.Unknown)
		return info
	}
	info.Model, info.Temperature = r.rep.Model, r.rep.Temperature
	info.State = schema.Worse(info.State, r.rep.State)
	info.SMART = "The drive reports no problem."
	if len(r.rep.Problems) > 0 {
		info.SMART = strings.Join(r.rep.Problems, " ")
	}
	if r.note != "" {
		info.SMART = r.note + " " + info.SMART
	}
	return info
}

// poolAlerts judges the pool as a whole: space, files at risk, and its last scrub.
func poolAlerts(st pool.Status, now time.Time, scrubEvery time.Duration) []alert {
	var out []schema.Alert
	var files []alert
	if st.Total > 0 {
		words := map[string]string{"free": human.Bytes(int64(st.Free)), "total": human.Bytes(int64(st.Total)),
			"percent": fmt.Sprintf("%d%%", st.Free*100/st.Total)}
		switch {
		case st.Free*100 < st.Total*spaceCriticalPercent:
			out = append(out, raise("pool-space-critical", "", words))
		case st.Free*100 < st.Total*spaceWarnPercent:
			out = append(out, raise("pool-space-low", "", words))
		}
	}
	if n := len(st.Unavailable); n > 0 {
		listed := slices.DeleteFunc(slices.Clone(st.Unavailable), func(p string) bool { return p == "…" })
		files = append(files, raiseFiles("files-unavailable", map[string]string{"count": countFiles(n, st.Unavailable), "are": are(n)}, listed))
	}
	if n := len(st.Damaged); n > 0 {
		paths := make([]string, n)
		for i, d := range st.Damaged {
			paths[i] = d.Path
		}
		files = append(files, raiseFiles("files-damaged", map[string]string{"count": countFiles(n, nil), "are": are(n)}, paths))
	}
	if n := st.NotDuplicated; n > 0 {
		out = append(out, raise("duplication-pending", "", map[string]string{"count": countFiles(n, nil), "are": are(n)}))
	}
	if s := st.LastScrub; s != nil && scrubEvery > 0 && now.Sub(s.Finished) > 2*scrubEvery {
		out = append(out, raise("scrub-overdue", "", map[string]string{"when": ago(now, s.Finished)}))
	}
	return append(alerts(out), files...)
}

// countFiles says how many files; listed is the pool's list, which ends in "…" when cut
// short.
func countFiles(n int, listed []string) string {
	if n > 0 && len(listed) == n && listed[n-1] == "…" {
		return fmt.Sprintf("More than %d files", n-1)
	}
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

func are(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// ago says when t was, the way a person would.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 2*time.Minute:
		return "a minute ago"
	case d < 2*time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago, on %s", int(d.Hours()/24), t.Local().Format("Monday 2 January"))
}

// serverBackupAlerts raises one alert for each overdue server backup, with the words
// of its last failed run.
func serverBackupAlerts(late []serverbackup.Overdue, now time.Time) []schema.Alert {
	var out []schema.Alert
	for _, o := range late {
		words := map[string]string{"name": o.Name, "target": o.Target, "reason": ""}
		if o.Error != "" {
			words["reason"] = "; the last try said: " + strings.TrimSuffix(o.Error, ".")
		}
		code := "server-backup-never"
		if !o.LastSuccess.IsZero() {
			code, words["when"] = "server-backup-overdue", ago(now, o.LastSuccess)
		}
		out = append(out, raise(code, o.Name, words))
	}
	return out
}
