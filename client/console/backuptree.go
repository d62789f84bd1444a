package main

import (
	"context"
	"path"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
)

// backupModel is one backup's files and folders, read from the server a folder at a time
// as the tree opens them, with the ones picked to restore. Paths are slash-separated
// inside the backup, as the restorer takes them.
type backupModel struct {
	c      *console
	cfg    connector.Config
	id     string    // the backup shown
	root   backup.ID // its top folder listing; zero until read
	kids   map[string][]string
	dirs   map[string]bool
	asked  map[string]bool // folders being read or read
	picked map[string]bool
	tree   *widget.Tree
}

func newBackupModel(c *console, cfg connector.Config) *backupModel {
	m := &backupModel{c: c, cfg: cfg}
	m.reset("")
	m.tree = newCheckTree(m, nil)
	return m
}

func (m *backupModel) reset(id string) {
	m.id, m.root = id, backup.ID{}
	m.kids, m.dirs, m.asked, m.picked = map[string][]string{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
}

// show shows backup id, reading its top folder away from the window.
func (m *backupModel) show(id string) {
	if id == m.id {
		return
	}
	m.reset(id)
	m.tree.Refresh()
	m.read("")
}

// read reads folder dir of the backup shown, once, and shows it when it comes.
func (m *backupModel) read(dir string) {
	if m.asked[dir] || m.id == "" {
		return
	}
	m.asked[dir] = true
	id, root, cfg := m.id, m.root, m.cfg
	m.c.work.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		bc, err := backupclient.New(cfg)
		if err != nil {
			return
		}
		if root.IsZero() {
			_, s, err := bc.Snapshot(ctx, id)
			if err != nil {
				return
			}
			root = s.Tree
		}
		nodes, err := bc.List(ctx, root, dir)
		if err != nil {
			return
		}
		fyne.Do(func() {
			if m.id != id {
				return // another backup was chosen meanwhile
			}
			m.root = root
			var names []string
			for _, n := range nodes {
				p := path.Join(dir, n.FileName())
				names = append(names, p)
				m.dirs[p] = n.Type == backup.Dir
			}
			m.kids[dir] = names
			m.tree.Refresh()
		})
	})
}

func (m *backupModel) children(dir string) []string {
	if _, ok := m.kids[dir]; !ok {
		m.read(dir) // lazily: a folder is read when it is opened
	}
	return m.kids[dir]
}
func (m *backupModel) branch(p string) bool { return m.dirs[p] }
func (m *backupModel) name(p string) string { return path.Base(p) }
func (m *backupModel) fixed(string) bool    { return false }

// ticked: picked itself, or in a folder picked.
func (m *backupModel) ticked(p string) bool {
	for cur := p; cur != "." && cur != ""; cur = path.Dir(cur) {
		if m.picked[cur] {
			return true
		}
	}
	return false
}

func (m *backupModel) partial(p string) bool {
	if m.ticked(p) {
		return false
	}
	for q := range m.picked {
		if strings.HasPrefix(q, p+"/") {
			return true
		}
	}
	return false
}

// set picks p or leaves it out; leaving out a part of a folder picked picks the rest of
// that folder instead.
func (m *backupModel) set(p string, on bool) {
	for q := range m.picked {
		if strings.HasPrefix(q, p+"/") {
			delete(m.picked, q)
		}
	}
	if on {
		m.picked[p] = true
		return
	}
	delete(m.picked, p)
	for a := path.Dir(p); a != "." && a != ""; a = path.Dir(a) {
		if !m.picked[a] {
			continue
		}
		delete(m.picked, a)
		// Pick the siblings of each folder on the way from a down to p.
		for cur := p; cur != a; cur = path.Dir(cur) {
			for _, s := range m.kids[path.Dir(cur)] {
				if s != cur {
					m.picked[s] = true
				}
			}
		}
		return
	}
}

// picks returns what is picked, in order; none means the whole backup.
func (m *backupModel) picks() []string {
	var out []string
	for q := range m.picked {
		out = append(out, q)
	}
	slices.Sort(out)
	return out
}
