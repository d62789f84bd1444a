package main

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

// row is one file or folder in the Files page: a click chooses it, a double click opens
// it, as in a file manager.
type row struct {
	widget.BaseWidget
	id         widget.ListItemID
	icon       *widget.Icon
	name, size *widget.Label
	choose     func(widget.ListItemID)
	open       func(int)
}

func newRow(choose func(widget.ListItemID), open func(int)) *row {
	r := &row{icon: widget.NewIcon(theme.FolderIcon()), name: widget.NewLabel("name"), size: widget.NewLabel("size"), choose: choose, open: open}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *row) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, r.size, r.name))
}

// show makes the row show entry e, the list's item id.
func (r *row) show(id widget.ListItemID, e entry) {
	r.id = id
	icon, size := theme.FileIcon(), human.Bytes(e.size)
	if e.dir {
		icon, size = theme.FolderIcon(), ""
	}
	r.name.SetText(e.name)
	r.icon.SetResource(icon)
	r.size.SetText(size)
	r.Refresh() // the size's width changed
}

func (r *row) Tapped(*fyne.PointEvent) { r.choose(r.id) }

func (r *row) DoubleTapped(*fyne.PointEvent) {
	r.choose(r.id)
	r.open(r.id)
}

// hitRow is one file or folder a search found: its name, the folder it is in, its size
// and date, in columns as a file manager shows search results. A click chooses it, a
// double click opens it.
type hitRow struct {
	widget.BaseWidget
	id                       widget.ListItemID
	icon                     *widget.Icon
	name, folder, size, date *widget.Label
	choose                   func(widget.ListItemID)
	open                     func(int)
}

// hitDate is how a hit's date is written: the same width on every row, so they line up.
const hitDate = "2 Jan 2006 15:04"

func newHitRow(choose func(widget.ListItemID), open func(int)) *hitRow {
	r := &hitRow{icon: widget.NewIcon(theme.FileIcon()), name: widget.NewLabel("name"), folder: widget.NewLabel("folder"),
		size: widget.NewLabel(""), date: widget.NewLabel(""), choose: choose, open: open}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.folder.Truncation = fyne.TextTruncateEllipsis
	r.folder.Importance = widget.LowImportance
	r.size.Alignment = fyne.TextAlignTrailing
	r.ExtendBaseWidget(r)
	return r
}

func (r *hitRow) CreateRenderer() fyne.WidgetRenderer {
	// The size and date take the room of their widest, so the columns line up.
	sizeCell := widget.NewLabel("1023.9 MiB").MinSize()
	dateCell := widget.NewLabel("30 Sep 2026 23:59").MinSize()
	right := container.NewHBox(container.NewGridWrap(sizeCell, r.size), container.NewGridWrap(dateCell, r.date))
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, r.icon, right, container.NewGridWithColumns(2, r.name, r.folder)))
}

// show makes the row show hit h, the list's item id.
func (r *hitRow) show(id widget.ListItemID, h schema.FoundFile) {
	r.id = id
	icon, size := theme.FileIcon(), human.Bytes(h.Size)
	if h.Dir {
		icon, size = theme.FolderIcon(), ""
	}
	r.icon.SetResource(icon)
	r.name.SetText(h.Name)
	r.folder.SetText(strings.ReplaceAll(folderOf(h.Path), "/", " / "))
	r.size.SetText(size)
	r.date.SetText(h.ModTime.Local().Format(hitDate))
}

func (r *hitRow) Tapped(*fyne.PointEvent) { r.choose(r.id) }

func (r *hitRow) DoubleTapped(*fyne.PointEvent) {
	r.choose(r.id)
	r.open(r.id)
}
