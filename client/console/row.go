package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/internal/human"
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
