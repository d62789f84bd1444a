package main

import (
	"fmt"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/internal/human"
)

// maxProblems is how many problems the menu lists, one line each; the console has all.
const maxProblems = 5

// backupState is what "Back up now" is doing.
type backupState struct {
	running  bool
	progress archiver.Progress
	result   string // how the last backup ended, in words; "" before the first
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
}

func menuOf(v status.View, b backupState, joined bool) menu {
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
		if m.icon == status.Good {
			m.icon = status.Busy
		}
	case b.result != "":
		m.backup = "Back up now (" + b.result + ")"
	}
	m.tooltip = "Hearth: " + m.status
	return m
}

// progressWords says how far a backup is: a share once the files are counted.
func progressWords(p archiver.Progress) string {
	if p.Counted && p.TotalBytes > 0 {
		return fmt.Sprintf("%d%%", min(100, p.Bytes*100/p.TotalBytes))
	}
	return fmt.Sprintf("%d files, %s", p.Files, human.Bytes(p.Bytes))
}
