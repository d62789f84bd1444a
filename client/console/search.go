package main

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/server/api/schema"
)

// typingPause is how long typing must rest before the Files page searches: a name typed
// at a usual pace asks the server once, not once a letter.
const typingPause = 300 * time.Millisecond

// searchLimit is how many hits a search shows; a longer list is narrowed by typing more.
const searchLimit = 200

// newSearch makes the search field and what shows its hits, as a file manager has them:
// typing (once it rests) or Enter searches every share; clearing the field goes back to
// the folder.
func (p *filesPage) newSearch() {
	p.search = widget.NewEntry()
	p.search.SetPlaceHolder("Search every share by name")
	clear := widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { p.search.SetText("") })
	clear.Importance = widget.LowImportance
	clear.Hide()
	p.search.ActionItem = clear
	p.search.OnChanged = func(text string) {
		if text == "" {
			clear.Hide()
		} else {
			clear.Show()
		}
		p.typed(text)
	}
	p.search.OnSubmitted = func(text string) {
		if q := strings.TrimSpace(text); q != "" {
			p.find(q)
		}
	}
	p.found = widget.NewList(func() int { return len(p.hits) },
		func() fyne.CanvasObject { return newHitRow(p.found.Select, p.openHit) },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*hitRow).show(i, p.hits[i]) })
	p.found.OnSelected = p.chooseHit
	p.found.OnUnselected = func(widget.ListItemID) { p.chooseHit(-1) }
	p.found.Hide()
	p.reveal = widget.NewButtonWithIcon("Show in folder", theme.FolderIcon(), func() { p.showInFolder(p.hit) })
	p.reveal.Hide()
}

// typed searches for text once typing rests; an empty field goes back to the folder.
func (p *filesPage) typed(text string) {
	p.asked++ // a search under way for fewer letters is not shown
	n, q := p.asked, strings.TrimSpace(text)
	if q == "" {
		p.leaveSearch()
		return
	}
	pause := p.pause
	p.work.do(func() {
		time.Sleep(pause)
		fyne.Do(func() {
			if n == p.asked { // else more was typed meanwhile
				p.find(q)
			}
		})
	})
}

// find searches every share the user may read for q, away from the window, and shows
// what it finds in place of the folder.
func (p *filesPage) find(q string) {
	p.asked++
	n := p.asked
	p.query, p.hits, p.more = q, nil, false
	p.showHits(true)
	p.found.UnselectAll()
	p.chooseHit(-1)
	p.found.Refresh()
	p.where.SetText("Search for “" + q + "” in every share")
	p.status.SetText("Searching…")
	b := *p.b
	p.work.do(func() {
		res, err := b.search(context.Background(), q)
		fyne.Do(func() {
			if n != p.asked { // a newer search, or none, is shown
				return
			}
			p.hits, p.more = res.Results, res.More
			p.found.UnselectAll()
			p.chooseHit(-1)
			p.found.Refresh()
			p.found.ScrollToTop()
			switch {
			case err != nil:
				slog.Warn("the search failed", "query", q, "err", err)
				p.status.SetText("The search did not work: " + sayOr(err, "the server could not search just now. Please try again."))
			case len(p.hits) == 0:
				p.status.SetText("Nothing you may open has “" + q + "” in its name.")
			case p.more:
				p.status.SetText(fmt.Sprintf("These are the first %d found. Type more of the name to find fewer.", len(p.hits)))
			default:
				p.status.SetText(found(len(p.hits)) + " Double-click one to open it, or choose it and Show in folder.")
			}
		})
	})
}

func found(n int) string {
	if n == 1 {
		return "1 found."
	}
	return fmt.Sprintf("%d found.", n)
}

// leaveSearch shows the folder again, as it was before the search.
func (p *filesPage) leaveSearch() {
	p.asked++ // a search under way is not shown
	if p.query == "" {
		return
	}
	p.query, p.hits, p.more = "", nil, false
	p.hit = -1
	p.showHits(false)
	p.found.Refresh()
	p.relist("")
}

// showHits shows the search's hits and what acts on them (on), or the folder and its
// buttons.
func (p *filesPage) showHits(on bool) {
	show := func(o fyne.CanvasObject, visible bool) {
		if visible {
			o.Show()
		} else {
			o.Hide()
		}
	}
	show(p.found, on)
	show(p.reveal, on)
	show(p.list, !on)
	for _, c := range p.changes {
		show(c, !on) // search results are no folder to upload into or change
	}
	if p.page != nil {
		p.page.Refresh() // the buttons' rows
	}
}

// chooseHit marks hit i (-1: none) as the one the buttons act on.
func (p *filesPage) chooseHit(i int) {
	p.hit = i
	if i < 0 || i >= len(p.hits) {
		p.hit = -1
	}
	p.enable()
}

// enableHits offers the buttons that can act on the chosen hit.
func (p *filesPage) enableHits() {
	chosen := p.hit >= 0
	set(p.up, false)
	set(p.open, chosen)
	set(p.download, chosen && !p.hits[p.hit].Dir)
	set(p.reveal, chosen)
}

// openChosen opens what is chosen (the Open button).
func (p *filesPage) openChosen() {
	if p.query != "" {
		p.openHit(p.hit)
		return
	}
	p.openEntry(p.selected)
}

// openHit goes into a folder that was found, or opens a copy of a file that was, as
// the folder's own list does.
func (p *filesPage) openHit(i int) {
	if i < 0 || i >= len(p.hits) {
		return
	}
	h := p.hits[i]
	if h.Dir {
		p.goTo(h.Path, "")
		return
	}
	b, e, _ := p.inFolder(h)
	p.openFile(b, e)
}

// showInFolder goes to the folder hit i is in, with it chosen there.
func (p *filesPage) showInFolder(i int) {
	if i < 0 || i >= len(p.hits) {
		return
	}
	p.goTo(folderOf(p.hits[i].Path), p.hits[i].Name)
}

// goTo leaves the search for the folder dir, choosing the entry pick there ("" none).
func (p *filesPage) goTo(dir, pick string) {
	p.b.dir, p.pick = dir, pick
	p.search.SetText("") // leaves the search, listing dir
	p.leaveSearch()      // in case the field was empty already
}

// inFolder is hit h as an entry, with a browser in the folder it is in.
func (p *filesPage) inFolder(h schema.FoundFile) (browser, entry, bool) {
	b := *p.b
	b.dir = folderOf(h.Path)
	return b, entry{name: h.Name, dir: h.Dir, size: h.Size, modTime: h.ModTime}, true
}

// folderOf is the folder a found path ("Share/folder/name") is in, as the browser names
// folders ("" for the shares themselves).
func folderOf(p string) string {
	dir := path.Dir(p)
	if dir == "." || dir == "/" {
		return ""
	}
	return dir
}

// search asks the server for files and folders with q in their names, in every share
// the user may read (its GET /api/v1/files/search).
func (b *browser) search(ctx context.Context, q string) (schema.SearchResults, error) {
	res, err := b.cfg.Search(ctx, q, searchLimit)
	if err != nil {
		return schema.SearchResults{}, fmt.Errorf("search for %q: %w", q, err)
	}
	return res, nil
}
