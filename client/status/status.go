// Package status decides what the tray shows: the icon's colour and the line of words
// beside it, drawn from the server's health; which problems deserve a desktop
// notification; and it keeps following the server's health stream, through restarts
// and lost networks.
package status

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Icon is the tray icon's state.
type Icon string

const (
	Good     Icon = "good"     // green: the home is safe
	Warning  Icon = "warning"  // yellow: something needs attention
	Critical Icon = "critical" // red: something is wrong now
	Offline  Icon = "offline"  // grey: the server cannot be reached
	Busy     Icon = "busy"     // backing up
)

// View is what the tray shows.
type View struct {
	Icon Icon
	Line string // "Everything is fine", "2 problems: Mum's laptop: Firewall; Drive 3 is failing"
	// Problems are the alerts' titles, worst first, for the menu.
	Problems []string
}

// maxInLine is how many problems the status line names before it counts the rest.
const maxInLine = 2

// Of is the view of health h (nil before the server ever answered). online says whether
// the stream is connected now; busy whether this PC is backing up.
func Of(h *schema.Health, online, busy bool) View {
	var v View
	if h != nil {
		for _, a := range h.Alerts {
			v.Problems = append(v.Problems, a.Title)
		}
	}
	switch {
	case !online:
		v.Icon, v.Line = Offline, "The server cannot be reached"
		if h != nil && !h.Time.IsZero() {
			v.Line += "; last heard " + h.Time.Local().Format("Mon 15:04")
		}
		return v
	case h == nil:
		v.Icon, v.Line = Offline, "Connecting to the server…"
		return v
	}
	switch h.State {
	case schema.Critical:
		v.Icon = Critical
	case schema.Warning:
		v.Icon = Warning
	default:
		v.Icon = Good
	}
	v.Line = line(v.Problems)
	if busy && v.Icon == Good {
		v.Icon, v.Line = Busy, "Backing up…"
	}
	return v
}

func line(problems []string) string {
	switch n := len(problems); {
	case n == 0:
		return "Everything is fine"
	case n == 1:
		return "1 problem: " + problems[0]
	case n <= maxInLine:
		return fmt.Sprintf("%d problems: %s", n, strings.Join(problems, "; "))
	default:
		return fmt.Sprintf("%d problems: %s; and %d more", n, strings.Join(problems[:maxInLine], "; "), n-maxInLine)
	}
}

// When says when t is, from now, the way a person would: "today at 14:02", "tomorrow at
// 03:00", "Monday 7 December at 03:00".
func When(now, t time.Time) string {
	t, now = t.Local(), now.Local()
	day := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.Local) }
	switch day(t).Sub(day(now)).Round(time.Hour) / (24 * time.Hour) {
	case 0:
		return "today at " + t.Format("15:04")
	case -1:
		return "yesterday at " + t.Format("15:04")
	case 1:
		return "tomorrow at " + t.Format("15:04")
	}
	return t.Format("Monday 2 January at 15:04")
}
