package main

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// uploadFiles sends local files into the current folder (the Upload dialog, or files
// dropped on the window).
func (p *filesPage) uploadFiles(paths []string) {
	if p.query != "" {
		p.status.SetText("Files cannot be put into search results. Clear the search, open the folder they belong in, then drop them again.")
		return
	}
	if p.b.dir == "" || !p.b.writable() {
		p.status.SetText("Open a folder you may change, then drop the files again.")
		return
	}
	p.run("Uploading", func(ctx context.Context, b browser, progress func(int64, int64)) (string, error) {
		for i, f := range paths {
			if err := b.upload(ctx, f, progress); err != nil && i > 0 {
				return "", fmt.Errorf("it stopped after %s: %w", files(int64(i)), err)
			} else if err != nil {
				return "", err
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
	b, e, ok := p.chosen()
	if !ok || e.dir {
		p.status.SetText("Choose a file to download.")
		return
	}
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			return
		}
		p.downloadTo(b, e, dir.Path())
	}, p.win)
}

// chosen is what the buttons act on, with a browser in the folder it is in: the chosen
// entry of the folder, or the chosen hit of a search.
func (p *filesPage) chosen() (browser, entry, bool) {
	if p.query != "" {
		if p.hit < 0 || p.hit >= len(p.hits) {
			return browser{}, entry{}, false
		}
		return p.inFolder(p.hits[p.hit])
	}
	if p.selected < 0 || p.selected >= len(p.entries) {
		return browser{}, entry{}, false
	}
	return *p.b, p.entries[p.selected], true
}

// downloadTo saves a copy of e, in b's folder, into the local folder dir.
func (p *filesPage) downloadTo(b browser, e entry, dir string) {
	p.runIn(b, "Downloading", func(ctx context.Context, b browser, progress func(int64, int64)) (string, error) {
		out, err := b.download(ctx, e, dir, progress)
		return "Saved as " + out + ".", err
	})
}

func (p *filesPage) askMkdir() {
	dialog.ShowEntryDialog("New folder", "Name", p.mkdir, p.win)
}

func (p *filesPage) mkdir(name string) {
	p.run("Making the folder", func(ctx context.Context, b browser, _ func(int64, int64)) (string, error) {
		return "", b.mkdir(ctx, name)
	})
}

func (p *filesPage) askRename() {
	if p.selected < 0 {
		p.status.SetText("Choose a file or folder first.")
		return
	}
	old := p.entries[p.selected].name
	name := widget.NewEntry()
	name.SetText(old) // keeps the ending (.docx, .jpg) unless it is changed on purpose
	dialog.ShowForm("Rename "+old, "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("New name", name)}, func(ok bool) {
		if ok && name.Text != old {
			p.rename(old, name.Text)
		}
	}, p.win)
}

func (p *filesPage) rename(old, name string) {
	p.run("Renaming", func(ctx context.Context, b browser, _ func(int64, int64)) (string, error) {
		return "", b.rename(ctx, old, name)
	})
}

func (p *filesPage) askDelete() {
	if p.selected < 0 {
		p.status.SetText("Choose a file or folder first.")
		return
	}
	e := p.entries[p.selected]
	title := "Delete " + e.name + "?"
	if e.dir {
		title = "Delete the folder " + e.name + " and everything in it?"
	}
	dialog.ShowConfirm(title, "For a while, whoever looks after the server can still bring it back.", func(ok bool) {
		if ok {
			p.remove(e.name)
		}
	}, p.win)
}

func (p *filesPage) remove(name string) {
	p.run("Deleting", func(ctx context.Context, b browser, _ func(int64, int64)) (string, error) {
		return "", b.remove(ctx, name)
	})
}
