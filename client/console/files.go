package main

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/server/api/schema"
)

// filesPage is the Files page: the shares and their folders, with what the user may do
// there. Read-only shares offer no changes. A search by name shows what it finds in every
// share in place of the folder, until it is cleared.
type filesPage struct {
	win      fyne.Window
	work     *background
	b        *browser
	entries  []entry
	selected int
	listing  int // counts listings asked for, so only the newest is shown
	busy     int // transfers and changes under way, shown by the progress bar
	// launch opens a local file in its usual application.
	launch func(path string) error
	// pick is the name to choose once the folder is listed (a search's hit shown in its
	// folder).
	pick string

	// The search: query is the one shown ("" while the folder is); asked counts searches
	// and keystrokes, so only the newest is shown; pause is how long typing must rest
	// before a search starts.
	query string
	asked int
	pause time.Duration
	hits  []schema.FoundFile
	more  bool // the server found more than it sent
	hit   int  // the chosen hit, -1 for none

	where    *widget.Label
	list     *widget.List
	status   *widget.Label
	progress *widget.ProgressBar
	changes  []*widget.Button // disabled where the user may only read
	open     *widget.Button
	download *widget.Button
	up       *widget.Button
	search   *widget.Entry
	found    *widget.List    // the hits, shown in place of list
	reveal   *widget.Button  // Show in folder, for a hit
	page     *fyne.Container // laid out again when buttons come and go
}

func newFilesPage(win fyne.Window, work *background, b *browser) *filesPage {
	p := &filesPage{win: win, work: work, b: b, selected: -1, hit: -1, launch: openLocal, pause: typingPause,
		where: widget.NewLabel(""), status: widget.NewLabel(""), progress: widget.NewProgressBar()}
	p.where.Truncation = fyne.TextTruncateEllipsis
	p.status.Wrapping = fyne.TextWrapWord
	p.progress.Hide()
	p.list = widget.NewList(func() int { return len(p.entries) },
		func() fyne.CanvasObject { return newRow(p.list.Select, p.openEntry) },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*row).show(i, p.entries[i]) })
	p.list.OnSelected = p.choose
	p.list.OnUnselected = func(widget.ListItemID) { p.choose(-1) }
	p.up = widget.NewButtonWithIcon("Up", theme.NavigateBackIcon(), func() { p.b.open(".."); p.refresh() })
	p.open = widget.NewButtonWithIcon("Open", theme.FolderOpenIcon(), p.openChosen)
	p.download = widget.NewButtonWithIcon("Download…", theme.DownloadIcon(), p.askDownload)
	p.newSearch()
	p.changes = []*widget.Button{
		widget.NewButtonWithIcon("Upload…", theme.UploadIcon(), p.askUpload),
		widget.NewButtonWithIcon("New folder…", theme.FolderNewIcon(), p.askMkdir),
		widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), p.askRename),
		widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), p.askDelete),
	}
	return p
}

// content is the page's widgets.
func (p *filesPage) content() fyne.CanvasObject {
	// Hidden buttons take no place: a search offers Show in folder where the folder
	// offers its changes.
	bar := container.NewGridWithColumns(3, p.open, p.download, p.reveal)
	for _, c := range p.changes {
		bar.Add(c)
	}
	top := container.NewVBox(container.NewBorder(nil, nil, p.up, nil, p.where), p.search, bar)
	p.page = container.NewBorder(top, container.NewVBox(p.progress, p.status), nil, nil, container.NewStack(p.list, p.found))
	return p.page
}

// choose marks entry i (-1: none) as the one the buttons act on.
func (p *filesPage) choose(i int) {
	p.selected = i
	if i < 0 || i >= len(p.entries) {
		p.selected = -1
	}
	p.enable()
}

// enable offers the buttons that can act here, on what is chosen.
func (p *filesPage) enable() {
	if p.query != "" {
		p.enableHits()
		return
	}
	chosen := p.selected >= 0
	set(p.up, p.b.dir != "")
	set(p.open, chosen)
	set(p.download, chosen && !p.entries[p.selected].dir)
	w := p.b.writable()
	set(p.changes[0], w)           // Upload
	set(p.changes[1], w)           // New folder
	set(p.changes[2], w && chosen) // Rename
	set(p.changes[3], w && chosen) // Delete
}

func set(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// openEntry goes into a folder, or opens a copy of a file in its usual application.
func (p *filesPage) openEntry(i int) {
	if i < 0 || i >= len(p.entries) {
		return
	}
	e := p.entries[i]
	if e.dir {
		p.b.open(e.name)
		p.refresh()
		return
	}
	p.openFile(*p.b, e)
}

// openFile opens a copy of e, a file in b's folder, in its usual application.
func (p *filesPage) openFile(b browser, e entry) {
	if runsProgram(e.name) {
		p.status.SetText(e.name + " would start a program, and Hearth does not start programs from the server. If you trust it, Download it and start it yourself.")
		return
	}
	p.runIn(b, "Opening "+e.name, func(ctx context.Context, b browser, progress func(int64, int64)) (string, error) {
		local, err := b.fetchCopy(ctx, e, progress)
		if err == nil {
			err = p.launch(local)
		}
		return "Opened a read-only copy of " + e.name + ". To change the file, Download it, change it, and Upload it under a new name.", err
	})
}

// refresh lists the current folder again (or searches again), away from the window.
func (p *filesPage) refresh() {
	if p.query != "" {
		p.find(p.query)
		return
	}
	p.relist("")
}

// relist lists the current folder again, then says msg (or what the folder allows).
func (p *filesPage) relist(msg string) {
	p.entries = nil
	p.list.UnselectAll()
	p.choose(-1)
	p.list.Refresh()
	p.where.SetText("Shares / " + strings.ReplaceAll(p.b.dir, "/", " / "))
	if p.b.dir == "" {
		p.where.SetText("Shares")
	}
	p.status.SetText("Listing…")
	p.listing++
	b, n, pick := *p.b, p.listing, p.pick
	p.pick = ""
	p.work.do(func() {
		es, err := b.list(context.Background())
		fyne.Do(func() {
			if n != p.listing || p.query != "" { // a newer listing, another folder or a search follows
				return
			}
			p.entries = es
			p.list.UnselectAll()
			p.choose(-1)
			p.list.Refresh()
			for i, e := range es {
				if pick != "" && e.name == pick {
					p.list.Select(i)
					p.list.ScrollTo(i)
				}
			}
			switch {
			case err != nil:
				p.status.SetText("The folder could not be listed: " + say(err))
			case msg != "":
				p.status.SetText(msg)
			case b.dir != "" && !b.writable():
				p.status.SetText("You may open and download files here, but not change them.")
			case b.dir != "" && len(es) == 0:
				p.status.SetText("This folder is empty. Drop files on the window to upload them here.")
			default:
				p.status.SetText("")
			}
		})
	})
}

// run does slow work away from the window, then shows the result and lists again. The
// work gets the browser as it is now: opening another folder meanwhile does not move it.
func (p *filesPage) run(what string, work func(ctx context.Context, b browser, progress func(done, total int64)) (string, error)) {
	p.runIn(*p.b, what, work)
}

// runIn is run with the browser in a folder of the caller's choice (a hit's); over
// search results it only says how the work went, the results staying as they are.
func (p *filesPage) runIn(b browser, what string, work func(ctx context.Context, b browser, progress func(done, total int64)) (string, error)) {
	p.status.SetText(what + "…")
	p.progress.SetValue(0)
	p.progress.Show()
	p.busy++
	p.work.do(func() {
		msg, err := work(context.Background(), b, func(done, total int64) {
			if total > 0 {
				fyne.Do(func() { p.progress.SetValue(float64(done) / float64(total)) })
			}
		})
		fyne.Do(func() {
			if p.busy--; p.busy == 0 {
				p.progress.Hide()
			}
			if err != nil {
				msg = what + " failed: " + say(err)
			}
			if p.query != "" {
				p.status.SetText(msg)
				return
			}
			p.relist(msg)
		})
	})
}
