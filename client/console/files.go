package main

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/internal/human"
)

// filesPage is the Files page: the shares and their folders, with what the user may do
// there. Read-only shares offer no changes.
type filesPage struct {
	win      fyne.Window
	b        *browser
	entries  []entry
	selected int

	where    *widget.Label
	list     *widget.List
	status   *widget.Label
	progress *widget.ProgressBar
	changes  []*widget.Button // disabled where the user may only read
	download *widget.Button
	up       *widget.Button
}

func newFilesPage(win fyne.Window, b *browser) *filesPage {
	p := &filesPage{win: win, b: b, selected: -1, where: widget.NewLabel(""), status: widget.NewLabel(""), progress: widget.NewProgressBar()}
	p.status.Wrapping = fyne.TextWrapWord
	p.progress.Hide()
	p.list = widget.NewList(func() int { return len(p.entries) },
		func() fyne.CanvasObject {
			name, icon, size := widget.NewLabel("name"), widget.NewIcon(theme.FolderIcon()), widget.NewLabel("size")
			name.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, icon, size, name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row, e := o.(*fyne.Container), p.entries[i]
			icon := theme.FileIcon()
			size := human.Bytes(e.size)
			if e.dir {
				icon, size = theme.FolderIcon(), ""
			}
			// A border container keeps its centre first, then its edges.
			row.Objects[0].(*widget.Label).SetText(e.name)
			row.Objects[1].(*widget.Icon).SetResource(icon)
			row.Objects[2].(*widget.Label).SetText(size)
			row.Refresh() // the size's width changed
		})
	p.list.OnSelected = func(i widget.ListItemID) {
		if p.entries[i].dir {
			p.list.UnselectAll()
			p.b.open(p.entries[i].name)
			p.refresh()
			return
		}
		p.selected = i
		p.download.Enable()
	}
	up := widget.NewButtonWithIcon("Up", theme.NavigateBackIcon(), func() { p.b.open(".."); p.refresh() })
	p.download = widget.NewButtonWithIcon("Download…", theme.DownloadIcon(), p.askDownload)
	p.changes = []*widget.Button{
		widget.NewButtonWithIcon("Upload…", theme.UploadIcon(), p.askUpload),
		widget.NewButtonWithIcon("New folder…", theme.FolderNewIcon(), p.askMkdir),
		widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), p.askRename),
		widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), p.askDelete),
	}
	p.up = up
	return p
}

// content is the page's widgets.
func (p *filesPage) content() fyne.CanvasObject {
	bar := container.NewHBox(p.up, p.download)
	for _, c := range p.changes {
		bar.Add(c)
	}
	return container.NewBorder(container.NewVBox(p.where, bar), container.NewVBox(p.progress, p.status), nil, nil, p.list)
}

// refresh lists the current folder again.
func (p *filesPage) refresh() {
	es, err := p.b.list(context.Background())
	p.entries, p.selected = es, -1
	p.list.UnselectAll()
	p.list.Refresh()
	p.download.Disable()
	p.where.SetText("Shares / " + strings.ReplaceAll(p.b.dir, "/", " / "))
	if p.b.dir == "" {
		p.where.SetText("Shares")
		p.up.Disable()
	} else {
		p.up.Enable()
	}
	for _, c := range p.changes {
		if p.b.writable() {
			c.Enable()
		} else {
			c.Disable()
		}
	}
	switch {
	case err != nil:
		p.status.SetText("The folder could not be listed: " + err.Error())
	case p.b.dir != "" && !p.b.writable():
		p.status.SetText("You may open and download files here, but not change them.")
	default:
		p.status.SetText("")
	}
}

// run does slow work away from the window, then shows the result and lists again. The
// work gets the browser as it is now: opening another folder meanwhile does not move it.
func (p *filesPage) run(what string, work func(ctx context.Context, b browser, progress func(done, total int64)) (string, error)) {
	p.status.SetText(what + "…")
	p.progress.SetValue(0)
	p.progress.Show()
	b := *p.b
	go func() {
		msg, err := work(context.Background(), b, func(done, total int64) {
			if total > 0 {
				fyne.Do(func() { p.progress.SetValue(float64(done) / float64(total)) })
			}
		})
		fyne.Do(func() {
			p.progress.Hide()
			p.refresh()
			if err != nil {
				msg = what + " failed: " + err.Error()
			}
			p.status.SetText(msg)
		})
	}()
}

// uploadFiles sends local files into the current folder (the Upload dialog, or files
// dropped on the window).
func (p *filesPage) uploadFiles(paths []string) {
	if p.b.dir == "" || !p.b.writable() {
		p.status.SetText("Open a folder you may change, then drop the files again.")
		return
	}
	p.run("Uploading", func(ctx context.Context, b browser, progress func(int64, int64)) (string, error) {
		for i, f := range paths {
			if err := b.upload(ctx, f, progress); err != nil {
				return "", fmt.Errorf("after %s: %w", files(int64(i)), err)
			}
		}
		return "Uploaded " + files(int64(len(paths))) + ".", nil
	})
}

func (p *filesPage) askUpload() {
	dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		p.uploadFiles([]string{r.URI().Path()})
	}, p.win)
}

func (p *filesPage) askDownload() {
	if p.selected < 0 {
		return
	}
	e := p.entries[p.selected]
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		p.run("Downloading", func(ctx context.Context, b browser, progress func(int64, int64)) (string, error) {
			out, err := b.download(ctx, e, dir.Path(), progress)
			return "Saved as " + out + ".", err
		})
	}, p.win)
}

func (p *filesPage) askMkdir() {
	dialog.ShowEntryDialog("New folder", "Name", func(name string) {
		p.run("Making the folder", func(ctx context.Context, b browser, _ func(int64, int64)) (string, error) {
			return "", b.mkdir(ctx, name)
		})
	}, p.win)
}

func (p *filesPage) askRename() {
	if p.selected < 0 {
		p.status.SetText("Choose a file first.")
		return
	}
	old := p.entries[p.selected].name
	dialog.ShowEntryDialog("Rename "+old, "New name", func(name string) {
		p.run("Renaming", func(ctx context.Context, b browser, _ func(int64, int64)) (string, error) {
			return "", b.rename(ctx, old, name)
		})
	}, p.win)
}

func (p *filesPage) askDelete() {
	if p.selected < 0 {
		p.status.SetText("Choose a file first.")
		return
	}
	name := p.entries[p.selected].name
	dialog.ShowConfirm("Delete "+name+"?", "It can be brought back from the server's previous versions for a while.", func(ok bool) {
		if ok {
			p.run("Deleting", func(ctx context.Context, b browser, _ func(int64, int64)) (string, error) {
				return "", b.remove(ctx, name)
			})
		}
	}, p.win)
}
