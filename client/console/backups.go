package main

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

// backupsPage lists this PC's backups and brings one back, whole or a part of it, to a
// folder of the user's choice. Browsing a backup opens it in the Files page, read-only.
type backupsPage struct {
	c        *console
	cfg      connector.Config
	snaps    []schema.Snapshot // newest first
	selected int

	list    *widget.List
	part    *widget.Entry
	restore *widget.Button
	browse  *widget.Button
	status  *widget.Label
}

func newBackupsPage(c *console, cfg connector.Config, snaps []schema.Snapshot) *backupsPage {
	p := &backupsPage{c: c, cfg: cfg, selected: -1, part: widget.NewEntry(), status: widget.NewLabel("")}
	for i := len(snaps) - 1; i >= 0; i-- {
		p.snaps = append(p.snaps, snaps[i])
	}
	p.status.Wrapping = fyne.TextWrapWord
	p.part.SetPlaceHolder("Only this part, as Files shows it, such as home/mum/Documents (empty: all)")
	p.list = widget.NewList(func() int { return len(p.snaps) },
		func() fyne.CanvasObject { return widget.NewLabel("backup") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			s := p.snaps[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s: %s, %s (%s new)", when(c.now(), s.Time), files(s.Files), human.Bytes(s.Bytes), human.Bytes(s.Added)))
		})
	p.list.OnSelected = func(i widget.ListItemID) { p.selected = i; p.restore.Enable(); p.browse.Enable() }
	p.restore = widget.NewButton("Restore…", p.askRestore)
	p.browse = widget.NewButton("Browse in Files", p.openInFiles)
	p.restore.Disable()
	p.browse.Disable()
	if len(p.snaps) == 0 {
		p.status.SetText("This PC has no backup yet. Choose Back up now on the Home page.")
	}
	return p
}

// refreshBackups reads this PC's backups again for the Backups page, after a new one.
func (c *console) refreshBackups() {
	p, cfg := c.backups, c.cfg
	if p == nil {
		return
	}
	c.work.do(func() {
		bc, err := backupclient.New(cfg)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if snaps, err := bc.Snapshots(ctx); err == nil {
			fyne.Do(func() { p.update(snaps) })
		}
	})
}

// update lists snaps (oldest first), keeping the backup chosen when it is still there.
func (p *backupsPage) update(snaps []schema.Snapshot) {
	chosen := ""
	if p.selected >= 0 && p.selected < len(p.snaps) {
		chosen = p.snaps[p.selected].ID
	}
	p.snaps, p.selected = nil, -1
	for i := len(snaps) - 1; i >= 0; i-- {
		p.snaps = append(p.snaps, snaps[i])
	}
	p.list.UnselectAll()
	p.restore.Disable()
	p.browse.Disable()
	for i, s := range p.snaps {
		if s.ID == chosen {
			p.list.Select(i)
		}
	}
	p.list.Refresh()
	if len(p.snaps) > 0 {
		p.status.SetText("")
	}
}

func (p *backupsPage) content() fyne.CanvasObject {
	bottom := container.NewVBox(p.part, container.NewHBox(p.restore, p.browse), p.status)
	return container.NewBorder(widget.NewLabelWithStyle("Backups of "+p.cfg.DeviceName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), bottom, nil, nil, p.list)
}

// sub is the part of the backup to bring back, as a path inside it.
func (p *backupsPage) sub() string {
	return strings.Trim(path.Clean("/"+strings.ReplaceAll(strings.TrimSpace(p.part.Text), `\`, "/")), "/")
}

func (p *backupsPage) askRestore() {
	if p.selected < 0 {
		return
	}
	s, sub := p.snaps[p.selected], p.sub()
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		// Into a folder of its own: restoring over newer files would lose them.
		p.restoreTo(s, sub, filepath.Join(dir.Path(), "Restored from "+s.Folder))
	}, p.c.win)
}

// restoreTo brings back sub of backup s into dir, away from the window.
func (p *backupsPage) restoreTo(s schema.Snapshot, sub, dir string) {
	p.status.SetText("Restoring…")
	p.restore.Disable()
	p.c.work.do(func() {
		var st restorer.Stats
		c, err := backupclient.New(p.cfg)
		if err == nil {
			st, err = c.Restore(context.Background(), s.ID, sub, dir)
		}
		fyne.Do(func() {
			p.restore.Enable()
			if err != nil {
				p.status.SetText("The restore failed: " + err.Error())
				return
			}
			p.status.SetText(fmt.Sprintf("Restored %s (%s) into %s.", files(st.Files), human.Bytes(st.Bytes), dir))
		})
	})
}

// openInFiles shows the chosen backup in the Files page, as the server's drive has it.
func (p *backupsPage) openInFiles() {
	if p.selected < 0 || p.c.files == nil {
		return
	}
	p.c.files.b.dir = path.Join("Backups", p.cfg.DeviceName, p.snaps[p.selected].Folder)
	p.c.files.refresh()
	p.c.open("files")
}
