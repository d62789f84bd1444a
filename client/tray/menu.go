package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/server/api/schema"
)

// maxProblems is how many problems the menu lists, one line each; the console has all.
const maxProblems = 5

// backupState is what the backup of this PC is doing and did, as the tray shows it.
type backupState struct {
	running  bool
	progress archiver.Progress
	by       string // who started the running backup (localapi.By…); "" when the tray did, with no agent
	// done is when the newest backup that finished was taken (zero before the first);
	// failed is when the last one that did not finish ended, and why says why in words.
	done, failed time.Time
	why          string
}

// agentView is what the tray knows of the agent.
type agentView struct {
	known bool // the tray has looked for it
	up    bool // it answers
	st    localapi.State
}

// backupOf is the backup as the agent tells it, or as the tray's own (own) when no
// agent runs.
func backupOf(a agentView, own backupState) backupState {
	if !a.up {
		return own
	}
	b := backupState{running: a.st.Running, by: a.st.By}
	if a.st.Progress != nil {
		b.progress = a.st.Progress.Archiver()
	}
	switch l := a.st.Last; {
	case l == nil:
	case l.OK && l.Snapshot != nil:
		b.done = l.Snapshot.Time
	case l.OK:
		b.done = l.Ended
	default:
		b.failed, b.why = l.Ended, l.Words
	}
	return b
}

// withServer adds what the server knows of this PC's backups (health h, nil before it
// answered): its newest backup, which may be newer than the agent's own, or from before
// the agent began.
func withServer(b backupState, h *schema.Health, user, pc string) backupState {
	if h == nil {
		return b
	}
	for _, p := range h.PCs {
		if p.Name == pc && p.Owner == user && p.LastBackup != nil && p.LastBackup.After(b.done) {
			b.done = *p.LastBackup
		}
	}
	return b
}

// menu is every text the tray shows: the icon and the words of its menu. It is drawn
// from the server's view and this PC's backup, so it can be tested without a tray.
type menu struct {
	icon     status.Icon
	tooltip  string
	status   string   // how the home is, in a few words; the problems are the lines below
	problems []string // at most maxProblems
	last     string   // the last backup: when, and whether it finished
	backup   string   // the "Back up now" item's words
	canStart bool     // "Back up now" may be clicked
	next     string   // who started the running backup, or the next one, or that none will run; "" hides it
	offer    bool     // offer to start the agent
	manage   bool     // offer to manage the server: the user is an administrator
}

// facts are what the menu is drawn from.
type facts struct {
	view   status.View
	backup backupState
	joined bool
	admin  bool // the server says this PC's user is an administrator
	agent  agentView
}

func menuOf(f facts, now time.Time) menu {
	v, b, a := f.view, f.backup, f.agent
	if !f.joined {
		return menu{icon: status.Offline, tooltip: "Hearth: this PC has not joined a server",
			status: "This PC has not joined a server yet", backup: "Back up now", canStart: false}
	}
	// Each problem is said once, on a line of its own, as Tailscale lists its warnings:
	// the status line only counts them. The tooltip, a line alone, names them.
	m := menu{icon: v.Icon, tooltip: "Hearth: " + v.Line, status: v.Line, problems: v.Problems, backup: "Back up now",
		canStart: !b.running, manage: f.admin, last: lastWords(b, now)}
	if n := len(v.Problems); n > 0 && v.Icon != status.Offline {
		m.status = fmt.Sprintf("%d problems", n)
		if n == 1 {
			m.status = "1 problem"
		}
	}
	if len(m.problems) > maxProblems {
		m.problems = append(m.problems[:maxProblems-1:maxProblems-1], fmt.Sprintf("and %d more (open Health…)", len(v.Problems)-maxProblems+1))
	}
	if b.running {
		m.backup = "Backing up… " + progressWords(b.progress)
		// Blue while backing up, over a warning too (often the backup's own age): a red
		// icon stays red.
		if m.icon == status.Good || m.icon == status.Warning {
			m.icon = status.Busy
		}
		if b.by != "" {
			m.next = capital(localapi.ByWords(b.by))
		}
	}
	switch {
	case m.next != "" || !a.known:
	case !a.up:
		m.next, m.offer = "No nightly backup: the Hearth agent is not running", true
	case !a.st.Next.IsZero():
		m.next = "Next backup: " + status.When(now, a.st.Next)
	}
	return m
}

// lastWords say when the last backup was and whether it finished: "Last backup: today
// at 03:02, finished", or "…, did not finish: the server cannot be reached".
func lastWords(b backupState, now time.Time) string {
	switch {
	case !b.failed.IsZero() && b.failed.After(b.done):
		return "Last backup: " + status.When(now, b.failed) + ", did not finish: " + reason(b.why)
	case !b.done.IsZero():
		return "Last backup: " + status.When(now, b.done) + ", finished"
	}
	return "Not backed up yet"
}

// failedPrefix begins the agent's words for a backup that failed; the rest is why.
const failedPrefix = "The backup failed: "

// reason is the first clause of why a backup failed, for a menu line: the whole of it,
// with what to do, is in the notification.
func reason(words string) string {
	w, ok := strings.CutPrefix(words, failedPrefix)
	if !ok && w != "" {
		w = strings.ToLower(w[:1]) + w[1:]
	}
	for _, end := range []string{". ", "; "} { // not a bare ".": addresses have them
		if i := strings.Index(w, end); i >= 0 {
			w = w[:i]
		}
	}
	w = strings.TrimSuffix(w, ".")
	if w == "" {
		return "something unexpected went wrong"
	}
	return w
}

// failureNote is a failed backup's notification: its body says why and what to do.
func failureNote(words string) (title, body string) {
	body, _ = strings.CutPrefix(words, failedPrefix)
	if body == "" {
		body = "Something unexpected went wrong."
	}
	return "The backup of this PC did not finish", capital(body)
}

// progressWords says how far a backup is: a share once the files are counted.
func progressWords(p archiver.Progress) string {
	return localapi.ProgressOf(p).Words()
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
