package main

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// checkModel is what a tree of checkboxes shows: where its items are, and which are
// ticked. Items are named by their path; "" is the tree's top.
type checkModel interface {
	children(path string) []string // read when a folder is opened
	branch(path string) bool
	name(path string) string
	ticked(path string) bool
	partial(path string) bool
	fixed(path string) bool // cannot be ticked, such as a cache
	set(path string, on bool)
}

// newCheckTree shows m as a tree of checkboxes, as WHS and Synology Active Backup do;
// changed is called after each tick.
func newCheckTree(m checkModel, changed func()) *widget.Tree {
	var t *widget.Tree
	t = widget.NewTree(
		func(uid widget.TreeNodeID) []widget.TreeNodeID { return m.children(uid) },
		func(uid widget.TreeNodeID) bool { return uid == "" || m.branch(uid) },
		func(bool) fyne.CanvasObject {
			return container.NewHBox(widget.NewCheck("", nil), widget.NewLabel("folder"))
		},
		func(uid widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			check, label := row.Objects[0].(*widget.Check), row.Objects[1].(*widget.Label)
			check.OnChanged = nil // setting the state below must not count as a tick
			check.SetChecked(m.ticked(uid))
			check.Partial = m.partial(uid)
			if m.fixed(uid) {
				check.Disable()
			} else {
				check.Enable()
			}
			check.Refresh()
			check.OnChanged = func(on bool) {
				m.set(uid, on)
				t.Refresh()
				if changed != nil {
					changed()
				}
			}
			label.SetText(m.name(uid))
		})
	return t
}

// folderModel is the PC's folders from the home folder down, ticked as picks says.
type folderModel struct{ p *picks }

func (f folderModel) children(path string) []string {
	if path == "" {
		return []string{f.p.root}
	}
	return subfolders(path)
}
func (f folderModel) branch(string) bool { return true }
func (f folderModel) name(path string) string {
	if path == f.p.root {
		return path
	}
	n := filepath.Base(path)
	if f.p.cache(path) {
		n += " (cache, left out)"
	}
	return n
}
func (f folderModel) ticked(path string) bool  { return f.p.ticked(path) }
func (f folderModel) partial(path string) bool { return f.p.partial(path) }
func (f folderModel) fixed(path string) bool   { return f.p.cache(path) }
func (f folderModel) set(path string, on bool) { f.p.set(path, on) }
