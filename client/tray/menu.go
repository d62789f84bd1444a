package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/client/status"
)

// maxProblems is how many problems the menu lists, one line each; the console has all.
const maxProblems = 5

// backupState is what the backup of this PC is doing, as the tray shows it.
type backupState struct {
	running  bool
	progress archiver.Progress
	by       string // who started the running backup (localapi.By…); "" when the tray did, with no agent
	result   string // how the last backup ended, in words; "" before the first
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
	if l := a.st.Last; l != nil {
		b.result = "done at " + l.Ended.Local().Format("15:04")
		if !l.OK {
			b.result = "failed at " + l.Ended.Local().Format("15:04")
		}
	}
	return b
}

// menu is every text the tray shows: the icon and the words of its menu. It is drawn
// from the server's view and this PC's backup, so it can be tested without a tray.
type menu struct {
	icon     status.Icon
	tooltip  string
	status   string
	problems []string // at most maxProblems
	backup   string   // the "Back up now" item's words
	canStart bool     // "Back up now" may be clicked
	next     string   // who started the running backup, or the next one, or that none will run; "" hides it
	offer    bool     // offer to start the agent
}

func menuOf(v status.View, b backupState, joined bool, a agentView, now time.Time) menu {
	if !joined {
		return menu{icon: status.Offline, tooltip: "Hearth: this PC has not joined a server",
			status: "This PC has not joined a server yet", backup: "Back up now", canStart: false}
	}
	m := menu{icon: v.Icon, status: v.Line, problems: v.Problems, backup: "Back up now", canStart: !b.running}
	if len(m.problems) > maxProblems {
		m.problems = append(m.problems[:maxProblems-1:maxProblems-1], fmt.Sprintf("and %d more (open Health…)", len(v.Problems)-maxProblems+1))
	}
	switch {
	case b.running:
		m.backup = "Backing up… " + progressWords(b.progress)
		// Blue while backing up, over a warning too (often the backup's own age): a red
		// icon stays red.
		if m.icon == status.Good || m.icon == status.Warning {
			m.icon = status.Busy
		}
		if b.by != "" {
			m.next = capital(localapi.ByWords(b.by))
		}
	case b.result != "":
		m.backup = "Back up now (" + b.result + ")"
	}
	switch {
	case m.next != "" || !a.known:
	case !a.up:
		m.next, m.offer = "No nightly backup: the Hearth agent is not running", true
	case !a.st.Next.IsZero():
		m.next = "Next backup: " + status.When(now, a.st.Next)
	}
	m.tooltip = "Hearth: " + m.status
	return m
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
