package main

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/client/connector"
)

// settingsPage changes what this PC backs up and when, and leaves the server.
type settingsPage struct {
	c       *console
	at      *widget.Entry
	include *widget.Entry
	exclude *widget.Entry
	save    *widget.Button
	leave   *widget.Button
	status  *widget.Label
	// picks and folders: what to back up, ticked in a tree of this PC's folders; the
	// patterns above follow the ticks and stay editable for experts.
	picks   *picks
	folders *widget.Tree
	// left is called once this PC has left the server.
	left func()
}

func newSettingsPage(c *console) *settingsPage {
	p := &settingsPage{c: c, at: widget.NewEntry(), include: widget.NewMultiLineEntry(), exclude: widget.NewMultiLineEntry(), status: widget.NewLabel("")}
	set := c.cfg.Backup
	p.at.SetText(set.At)
	p.at.SetPlaceHolder("03:00")
	p.include.SetText(strings.Join(set.Include, "\n"))
	p.include.SetPlaceHolder("One folder a line; empty backs up your home folder")
	p.exclude.SetText(strings.Join(set.Excludes(), "\n"))
	p.status.Wrapping = fyne.TextWrapWord
	p.save = widget.NewButton("Save", p.saveSettings)
	if c.homeDir != "" {
		p.picks = newPicks(filepath.Clean(c.homeDir), set)
		p.folders = newCheckTree(folderModel{p.picks}, p.ticksChanged)
		p.folders.OpenBranch(p.picks.root)
	}
	p.leave = widget.NewButton("Leave this server…", p.askLeave)
	return p
}

func (p *settingsPage) content() fyne.CanvasObject {
	patterns := widget.NewForm(
		widget.NewFormItem("Back up", p.include),
		widget.NewFormItem("Leave out", p.exclude),
	)
	advanced := widget.NewAccordion(widget.NewAccordionItem("Advanced: folders and patterns", patterns))
	top := container.NewVBox(widget.NewLabelWithStyle("Settings", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewForm(widget.NewFormItem("Nightly backup at", p.at)),
		widget.NewLabel("Back up the ticked folders:"))
	bottom := container.NewVBox(advanced, p.save, p.status, widget.NewSeparator(), p.leave)
	if p.folders == nil {
		advanced.OpenAll() // no home folder to show: the patterns are all there is
		return container.NewBorder(top, bottom, nil, nil)
	}
	return container.NewBorder(top, bottom, nil, nil, p.folders)
}

// ticksChanged writes the tree's ticks into the patterns, which Save keeps.
func (p *settingsPage) ticksChanged() {
	in, ex := p.picks.settings(lines(p.include.Text), lines(p.exclude.Text))
	p.include.SetText(strings.Join(in, "\n"))
	p.exclude.SetText(strings.Join(ex, "\n"))
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// saveSettings checks the settings and keeps them in the connector's file, where the
// agent reads them before each backup.
func (p *settingsPage) saveSettings() {
	set := connector.BackupSettings{At: strings.TrimSpace(p.at.Text), Include: lines(p.include.Text), Exclude: lines(p.exclude.Text)}
	if set.Exclude == nil {
		set.Exclude = []string{} // nothing left out, rather than the usual caches
	}
	if _, err := set.Next(time.Now()); err != nil {
		p.status.SetText("Not saved: " + say(err))
		return
	}
	// Read again: another window or 'hearth backup -save' may have changed the file.
	cfg, err := connector.Load(p.c.configPath)
	if err != nil {
		p.status.SetText("Not saved: " + say(err))
		return
	}
	cfg.Backup = set
	if err := cfg.Save(p.c.configPath); err != nil {
		p.status.SetText("Not saved: " + say(err))
		return
	}
	p.c.cfg = cfg
	p.status.SetText("Saved. The next backup uses them.")
}

func (p *settingsPage) askLeave() {
	dialog.ShowConfirm("Leave "+p.c.cfg.Server+"?", "This PC stops backing up there and forgets the server. Its backups stay on the server.", func(ok bool) {
		if ok {
			p.leaveNow()
		}
	}, p.c.win)
}

func (p *settingsPage) leaveNow() {
	cfg, path := p.c.cfg, p.c.configPath
	p.status.SetText("Leaving…")
	p.leave.Disable()
	p.c.work.do(func() {
		notes, err := cfg.LeaveServer(context.Background(), path)
		fyne.Do(func() {
			if err != nil {
				p.leave.Enable()
				p.status.SetText("Could not leave: " + sayOr(err, sayUnexpected))
				return
			}
			p.status.SetText(strings.Join(append([]string{"This PC has left the server."}, notes...), " "))
			p.save.Disable()
			if p.left != nil {
				p.left()
			}
		})
	})
}
