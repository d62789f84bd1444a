package health

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// pendingUpdates is what a PC's update tool says is waiting to be installed.
type pendingUpdates struct {
	Count int
	// Security is how many of them fix security problems; 0 when the tool cannot tell.
	Security int
	// Restart is true when installing them needs a restart (macOS says so).
	Restart bool
	// Oldest is when the oldest of them was released; zero when the tool cannot tell.
	Oldest time.Time
	// Checked is when the system last fetched the list of updates; zero when unknown.
	Checked time.Time
}

// The update policy. Security fixes are worth a warning at once: they are what attackers
// use. Other updates are fine to wait a few days, which is how the systems' own updaters
// pace them, so they warn only when they pile up (many, or old) or when the list itself is
// stale, which means the updater has stopped working.
const (
	manyUpdates  = 50
	oldUpdate    = 30 * 24 * time.Hour
	staleListAge = 30 * 24 * time.Hour
)

// updatesVerdict applies the policy; howTo says how to install updates on this system.
func updatesVerdict(p pendingUpdates, now time.Time, howTo string) schema.Check {
	waiting := fmt.Sprintf("%s %s waiting", plural(p.Count, "update", "updates"), isAre(p.Count))
	restart := ""
	if p.Restart {
		restart = " Some need a restart."
	}
	switch {
	case !p.Checked.IsZero() && now.Sub(p.Checked) > staleListAge:
		return updatesCheck(schema.Warning, fmt.Sprintf(
			"This computer has not looked for updates since %s, so it may be missing some. Check for updates and install them: %s",
			p.Checked.Format("January 2, 2006"), howTo))
	case p.Security > 0:
		return updatesCheck(schema.Warning, fmt.Sprintf("%s %s waiting. %s%s",
			plural(p.Security, "security update", "security updates"), isAre(p.Security), howTo, restart))
	case p.Count > 0 && !p.Oldest.IsZero() && now.Sub(p.Oldest) > oldUpdate:
		return updatesCheck(schema.Warning, fmt.Sprintf("%s, some of them for more than a month. %s%s", waiting, howTo, restart))
	case p.Count >= manyUpdates:
		return updatesCheck(schema.Warning, fmt.Sprintf("%s. %s%s", waiting, howTo, restart))
	case p.Count > 0:
		return updatesCheck(schema.Good, fmt.Sprintf("%s; none is urgent. %s%s", waiting, howTo, restart))
	default:
		return updatesCheck(schema.Good, "All updates are installed.")
	}
}

// restartNeeded names up to three of the packages that asked for the restart.
func restartNeeded(pkgs []string) schema.Check {
	seen := map[string]bool{}
	var names []string
	for _, p := range pkgs {
		if !seen[p] {
			seen[p] = true
			names = append(names, p)
		}
	}
	s := "The computer needs a restart to finish installing updates"
	switch {
	case len(names) > 3:
		s += " (for " + strings.Join(names[:3], ", ") + fmt.Sprintf(" and %d more)", len(names)-3)
	case len(names) > 0:
		s += " (for " + listNames(names) + ")"
	}
	return rebootCheck(schema.Warning, s+". Restart it when you can.")
}
