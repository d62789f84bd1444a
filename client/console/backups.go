package main

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
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

	list *widget.List
	// picker shows the chosen backup's files and folders to pick what to restore;
	// nothing picked restores all of it.
	picker  *backupModel
	restore *widget.Button
	putBack *widget.Button
	browse  *widget.Button
	status  *widget.Label
	// ask asks the person what to do with a file the restore would replace, and whether
	// for all the others too; it runs on the restore's goroutine and waits for them.
	ask func(path string) (restorer.Choice, bool)
}

func newBackupsPage(c *console, cfg connector.Config, snaps []schema.Snapshot) *backupsPage {
	p := &backupsPage{c: c, cfg: cfg, selected: -1, picker: newBackupModel(c, cfg), status: widget.NewLabel("")}
	for i := len(snaps) - 1; i >= 0; i-- {
		p.snaps = append(p.snaps, snaps[i])
	}
	p.status.Wrapping = fyne.TextWrapWord
	p.list = widget.NewList(func() int { return len(p.snaps) },
		func() fyne.CanvasObject { return widget.NewLabel("backup") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			s := p.snaps[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s: %s, %s (%s new)", when(c.now(), s.Time), files(s.Files), human.Bytes(s.Bytes), human.Bytes(s.Added)))
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		p.selected = i
		p.picker.show(p.snaps[i].ID)
		p.restore.Enable()
		p.putBack.Enable()
		p.browse.Enable()
	}
	p.ask = p.askConflict
	p.restore = widget.NewButton("Restore to a folder…", p.askRestore)
	p.putBack = widget.NewButton("Put back where it was", p.doPutBack)
	p.browse = widget.NewButton("Browse in Files", p.openInFiles)
	p.restore.Disable()
	p.putBack.Disable()
	p.browse.Disable()
	if originalPlace() == "" {
		p.putBack.Hide()
	}
	if len(p.snaps) == 0 {
		p.status.SetText("This PC has no backup yet. Choose Back up now on the Home page.")
	}
	return p
}

// refreshBackups reads this PC's backups again for the Backups page: after a new one, when
// the page shows, when the server's health changes (a cleanup may have let some go).
func (c *console) refreshBackups() {
	p, cfg := c.backups, c.cfg
	if p == nil {
		return
	}
	c.lists++
	read := c.lists
	c.work.do(func() {
		bc, err := backupclient.New(cfg)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if snaps, err := bc.Snapshots(ctx); err == nil {
			fyne.Do(func() { c.heardList(read, snaps) })
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
	bottom := container.NewVBox(container.NewHBox(p.restore, p.putBack, p.browse), p.status)
	pick := container.NewBorder(widget.NewLabel("Tick what to restore (nothing ticked: all of it):"), nil, nil, nil, p.picker.tree)
	split := container.NewHSplit(p.list, pick)
	return container.NewBorder(widget.NewLabelWithStyle("Backups of "+p.cfg.DeviceName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), bottom, nil, nil, split)
}

// parts are the parts of the chosen backup to bring back, as paths inside it; "" is all.
func (p *backupsPage) parts() []string {
	if picks := p.picker.picks(); len(picks) > 0 {
		return picks
	}
	return []string{""}
}

func (p *backupsPage) askRestore() {
	if p.selected < 0 {
		return
	}
	s, parts := p.snaps[p.selected], p.parts()
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		// Into a folder of its own: restoring over newer files would lose them.
		into := filepath.Join(dir.Path(), "Restored from "+s.Folder)
		p.restoreTo(s, parts, func(string) string { return into })
	}, p.c.win)
}

// doPutBack brings the backup (or the part chosen) back where it was on this PC. Files
// there already are not replaced without asking, one by one or for all.
func (p *backupsPage) doPutBack() {
	if p.selected < 0 {
		return
	}
	p.restoreTo(p.snaps[p.selected], p.parts(), putBackDir)
}

// putBackDir is the folder on this PC a part of a backup came from.
func putBackDir(sub string) string {
	return filepath.Join(originalPlace(), filepath.FromSlash(path.Dir(sub)))
}

// restoreTo brings back parts of backup s, each into the folder dir says, away from the
// window, asking about each file already there (or once for all).
func (p *backupsPage) restoreTo(s schema.Snapshot, parts []string, dir func(sub string) string) {
	p.status.SetText("Restoring…")
	p.restore.Disable()
	p.putBack.Disable()
	ask := p.ask
	p.c.work.do(func() {
		var st restorer.Stats
		var all restorer.Choice // the answer for all, once given
		opt := restorer.Options{Conflict: func(path string) restorer.Choice {
			if all != 0 {
				return all
			}
			choice, forAll := ask(path)
			if forAll {
				all = choice
			}
			return choice
		}}
		c, err := backupclient.New(p.cfg)
		for _, sub := range parts {
			if err != nil {
				break
			}
			var one restorer.Stats
			one, err = c.Restore(context.Background(), s.ID, sub, dir(sub), opt)
			st.Files, st.Dirs, st.Links, st.Bytes = st.Files+one.Files, st.Dirs+one.Dirs, st.Links+one.Links, st.Bytes+one.Bytes
			st.Kept, st.Skipped = st.Kept+one.Kept, st.Skipped+one.Skipped
		}
		var now []schema.Snapshot // the backups there are, read again when the restore failed
		gone := false
		if err != nil && c != nil {
			// The server's cleanup may have let it go since the list was read.
			if snaps, lerr := c.Snapshots(context.Background()); lerr == nil {
				now, gone = snaps, !slices.ContainsFunc(snaps, func(x schema.Snapshot) bool { return x.ID == s.ID })
			}
		}
		where := dir(parts[0])
		for _, sub := range parts {
			if dir(sub) != where {
				where = "the folders they came from"
			}
		}
		fyne.Do(func() {
			p.restore.Enable()
			p.putBack.Enable()
			if gone {
				p.update(now)
				p.status.SetText(sayGone)
				return
			}
			if err != nil {
				p.status.SetText("The restore did not finish: " + restoreWords(err))
				return
			}
			msg := fmt.Sprintf("Restored %s (%s) into %s.", files(st.Files), human.Bytes(st.Bytes), where)
			if st.Kept > 0 {
				msg += fmt.Sprintf(" %s kept beside what was there, named “(restored)”.", files(st.Kept))
			}
			if st.Skipped > 0 {
				msg += fmt.Sprintf(" %s already there left as they were.", files(st.Skipped))
			}
			p.status.SetText(msg)
		})
	})
}

// sayGone: the backup chosen is no longer on the server.
const sayGone = "That backup is no longer on the server: its cleanup let it go, as the server keeps only so many old backups. The list now shows the backups there are; choose another."

// restoreWords says why a restore stopped, in words.
func restoreWords(err error) string {
	// A folder Hearth may not write, a full disk: as the CLI and the tray say them.
	if errors.Is(err, restorer.ErrNoPath) {
		return "that part is not in this backup. Check it, as Files shows the backup."
	}
	return sayOr(err, "something went wrong while writing the files. Check there is room on the disk, and try again.")
}

// askConflict asks, in a window of its own, what to do with a file the restore would
// replace, and waits for the answer (on the restore's goroutine, never the window's).
func (p *backupsPage) askConflict(path string) (restorer.Choice, bool) {
	answer := make(chan conflictAnswer, 1)
	fyne.Do(func() { conflictDialog(p.c.win, path, func(a conflictAnswer) { answer <- a }) })
	a := <-answer
	return a.choice, a.forAll
}

type conflictAnswer struct {
	choice restorer.Choice
	forAll bool
}

// conflictDialog shows the question about one file and calls reply once with the answer.
func conflictDialog(win fyne.Window, path string, reply func(conflictAnswer)) dialog.Dialog {
	forAll := widget.NewCheck("Do this for every file already there", nil)
	text := widget.NewLabel("“" + filepath.Base(path) + "” is already in " + filepath.Dir(path) + ". What should the restore do?")
	text.Wrapping = fyne.TextWrapWord
	var d dialog.Dialog
	answer := func(c restorer.Choice) func() {
		return func() {
			d.Hide()
			reply(conflictAnswer{c, forAll.Checked})
		}
	}
	buttons := container.NewGridWithColumns(3,
		widget.NewButton("Replace it", answer(restorer.Replace)),
		widget.NewButton("Keep both", answer(restorer.KeepBoth)),
		widget.NewButton("Skip it", answer(restorer.Skip)))
	d = dialog.NewCustomWithoutButtons("A file is already there", container.NewVBox(text, forAll, buttons), win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
	return d
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
