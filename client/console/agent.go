package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/client/service"
	"github.com/hearth-home/hearth/internal/human"
)

// agentView is what the console knows of the agent, the one process that backs this PC
// up.
type agentView struct {
	known bool // the console has looked for it
	up    bool // it answers
	st    localapi.State
}

// followAgent keeps the Home page on the agent's state until ctx ends: a backup shows
// with its progress whoever started it, and the next nightly backup only when the agent
// will run it.
func (c *console) followAgent(ctx context.Context) {
	path := c.configPath
	go localapi.Follow(ctx, path, 0, func(st localapi.State, up bool) {
		c.work.ui(func() {
			c.agent = agentView{known: true, up: up, st: st}
			c.showAgent()
		})
	})
}

// showAgent shows the agent's state on the Home page.
func (c *console) showAgent() {
	h, a := c.home, c.agent
	if a.up && a.st.Last != nil && a.st.Last.Snapshot != nil && c.learnLast(*a.st.Last.Snapshot) {
		c.refreshBackups()
	}
	h.last.SetText(lastWords(c.now(), c.last))
	switch {
	case !a.known && c.next.IsZero():
		h.next.SetText("No nightly backup is set.")
	case !a.known:
		h.next.SetText("Next backup: " + when(c.now(), c.next) + ".")
	case !a.up:
		h.next.SetText("The nightly backup will not run: the Hearth agent, which backs this PC up, is not running.")
	case a.st.Running:
		h.next.SetText(capital(localapi.ByWords(a.st.By)) + ".")
	case a.st.Next.IsZero():
		h.next.SetText("No nightly backup is set.")
	default:
		h.next.SetText("Next backup: " + when(c.now(), a.st.Next) + ".")
	}
	if a.known && !a.up {
		h.startAgent.Show()
	} else {
		h.startAgent.Hide()
	}
	if !a.up {
		return // a backup this window runs itself shows on its own
	}
	if a.st.Running {
		h.backUp.Disable()
		h.progress.Show()
		p := a.st.Progress
		switch {
		case a.st.Waiting != "":
			h.result.SetText("Waiting: " + a.st.Waiting)
		case p == nil:
			h.result.SetText("Backing up…")
		default:
			h.result.SetText(fmt.Sprintf("Backing up… %s (%s, %s)", p.Words(), files(p.Files), human.Bytes(p.Bytes)))
			if p.Percent >= 0 {
				h.progress.SetValue(float64(p.Percent) / 100)
			}
		}
		return
	}
	h.progress.Hide()
	h.backUp.Enable()
	if a.st.Last != nil {
		h.result.SetText(a.st.Last.Words)
	}
}

// askAgent asks the agent to back up, when one runs; ran says whether one answered.
func (c *console) askAgent(ctx context.Context, path string) (ran bool) {
	if path == "" {
		return false
	}
	agent, err := localapi.Dial(ctx, path)
	if err != nil {
		return false
	}
	defer agent.Close()
	// The agent's state, followed, shows the backup (or the one already running).
	if _, _, err := agent.Backup(ctx, localapi.Request{By: localapi.ByConsole}); err != nil {
		var r *localapi.RefusedError
		words := "The Hearth agent did not answer. Try again in a moment."
		if errors.As(err, &r) {
			words = r.Msg
		}
		fyne.Do(func() {
			c.home.result.SetText(words)
			c.home.backUp.Enable()
		})
	}
	return true
}

// startTheAgent starts the agent, which then backs this PC up every night.
func (c *console) startTheAgent() {
	h, path := c.home, c.configPath
	h.startAgent.Disable()
	c.work.do(func() {
		err := service.StartAgent(context.Background(), path)
		fyne.Do(func() {
			h.startAgent.Enable()
			if err != nil {
				h.result.SetText("The Hearth agent did not start, so this PC will not be backed up at night. Try again, or restart the PC.")
			}
		})
	})
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
