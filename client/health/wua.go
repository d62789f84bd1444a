package health

import "time"

// wuaUpdate is what Hearth reads of one IUpdate that the Windows Update Agent lists.
type wuaUpdate struct {
	// MsrcSeverity is the Microsoft Security Response Center rating ("Critical",
	// "Important", "Moderate", "Low"); only security updates have one.
	MsrcSeverity string
	// Released is LastDeploymentChangeTime, when the update was published.
	Released time.Time
}

// summarizeWUA counts the updates, the security ones, and finds the oldest.
func summarizeWUA(updates []wuaUpdate) pendingUpdates {
	p := pendingUpdates{Count: len(updates)}
	for _, u := range updates {
		if u.MsrcSeverity != "" {
			p.Security++
		}
		if !u.Released.IsZero() && (p.Oldest.IsZero() || u.Released.Before(p.Oldest)) {
			p.Oldest = u.Released
		}
	}
	return p
}
