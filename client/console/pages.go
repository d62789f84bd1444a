package main

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

// home is the Home page's parts that change while it shows: the server's state,
// followed on its health stream; the backup, followed from the agent; and Manage the
// server, for an administrator.
type home struct {
	backUp, startAgent, manage *widget.Button
	progress                   *widget.ProgressBar
	state, last, next, result  *widget.Label
}

func newHome(backUp, startAgent, manage func()) *home {
	h := &home{backUp: widget.NewButton("Back up now", backUp), startAgent: widget.NewButton("Start the Hearth agent", startAgent),
		manage:   widget.NewButtonWithIcon("Manage the server", theme.ComputerIcon(), manage),
		progress: widget.NewProgressBar(), state: widget.NewLabel(""), last: widget.NewLabel(""), next: widget.NewLabel(""), result: widget.NewLabel("")}
	h.manage.Importance = widget.LowImportance
	h.progress.Hide()
	h.startAgent.Hide()
	h.manage.Hide()
	for _, l := range []*widget.Label{h.state, h.last, h.next, h.result} {
		l.Wrapping = fyne.TextWrapWord
	}
	return h
}

// homePage shows the server, this PC, its last and next backup, and Back up now; to an
// administrator, Manage the server.
func homePage(f facts, h *home) fyne.CanvasObject {
	// Beside the server's address, for an administrator only: a way there, not the
	// page's main action.
	form := widget.NewForm(
		widget.NewFormItem("Server", container.NewHBox(widget.NewLabel(f.server), h.manage)),
		widget.NewFormItem("This PC", widget.NewLabel(f.pc+", signed in as "+f.user)),
	)
	if f.admin {
		h.manage.Show()
	} else {
		h.manage.Hide()
	}
	return container.NewVBox(
		widget.NewLabelWithStyle("Home", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		h.state, form,
		h.last, h.next, h.startAgent,
		h.backUp, h.progress, h.result,
	)
}

// lastWords say when the PC last backed up, and what that backup holds.
func lastWords(now time.Time, last *schema.Snapshot) string {
	if last == nil {
		return "Never backed up yet."
	}
	return fmt.Sprintf("Last backup: %s (%s, %s).", when(now, last.Time), files(last.Files), human.Bytes(last.Bytes))
}

// healthPage lists what needs attention, then every drive and PC with its checks. h is
// the server's last word (nil before it ever answered), online whether it answers now;
// pc's backups are judged by last, this PC's newest backup, as Home shows it (settled).
func healthPage(h0 *schema.Health, online bool, why error, pc string, now time.Time, last *schema.Snapshot) fyne.CanvasObject {
	box := container.NewVBox(widget.NewLabelWithStyle("Health", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	add := func(text string, style fyne.TextStyle) {
		l := widget.NewLabelWithStyle(text, fyne.TextAlignLeading, style)
		l.Wrapping = fyne.TextWrapWord
		box.Add(l)
	}
	if h0 == nil || !online {
		add(reachWords(nil, false, why), fyne.TextStyle{})
		return container.NewVScroll(box)
	}
	h := settled(*h0, pc, last)
	add(summary(h), fyne.TextStyle{Bold: true})
	for _, a := range h.Alerts {
		add(mark(a.Severity)+" "+a.Title, fyne.TextStyle{Bold: true})
		add(a.Sentence, fyne.TextStyle{})
	}
	add("Drives of the server", fyne.TextStyle{Bold: true})
	for _, d := range h.Drives {
		add(fmt.Sprintf("%s %s (%s): %s free of %s. %s", mark(d.State), d.Label, d.Pool, human.Bytes(int64(d.Free)), human.Bytes(int64(d.Total)), d.SMART), fyne.TextStyle{})
	}
	add("PCs", fyne.TextStyle{Bold: true})
	for _, p := range h.PCs {
		add(fmt.Sprintf("%s %s (%s)", mark(p.State), p.Name, p.Owner), fyne.TextStyle{Bold: true})
		for _, c := range p.Checks {
			if c.Area == "backup" && p.Name == pc && last != nil {
				// The PC's own word on its backups dates from its last report; Home's
				// fact is newer.
				state := schema.Good
				if now.Sub(last.Time) > backupDue {
					state = schema.Warning
				}
				add("    "+mark(state)+" "+c.Title+": "+lastWords(now, last), fyne.TextStyle{})
				continue
			}
			add("    "+mark(c.State)+" "+c.Title+": "+c.Sentence, fyne.TextStyle{})
		}
	}
	return container.NewVScroll(box)
}

// backupDue is how old a PC's last backup may be before it is a warning, as the
// connector's own check (client/cli) judges it.
const backupDue = 72 * time.Hour

// summary says how the house is in one sentence.
func summary(h schema.Health) string {
	switch n := len(h.Alerts); {
	case n == 0:
		return "Everything is fine."
	case n == 1:
		return "1 thing needs attention."
	default:
		return fmt.Sprintf("%d things need attention.", n)
	}
}

// mark is a state as a sign that needs no colour to be read.
func mark(state string) string {
	switch state {
	case schema.Good:
		return "✓"
	case schema.Warning:
		return "!"
	case schema.Critical:
		return "✗"
	}
	return "?"
}

// when says when t is, from now, the way a person would.
func when(now, t time.Time) string {
	return status.When(now, t) // the tray's words
}

func files(n int64) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
