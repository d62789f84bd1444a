package main

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/client/connector"
)

// picks is what the folder tree has ticked: a folder is ticked as its nearest folder
// with an explicit choice (itself or one above), so ticking a folder ticks all below
// it until one of them is unticked. The home folder is ticked unless chosen otherwise;
// known caches are never ticked.
type picks struct {
	root   string          // the home folder, the top of the tree
	chosen map[string]bool // explicit choices, by full path
	caches []string        // patterns of caches and temporary folders, left out always
}

// newPicks reads the tree's state back from the saved settings: the folders included,
// and the full paths left out under the home folder.
func newPicks(root string, set connector.BackupSettings) *picks {
	p := &picks{root: root, chosen: map[string]bool{}, caches: connector.DefaultExcludesFor(runtime.GOOS, root)}
	p.chosen[root] = len(set.Include) == 0 // empty backs up the home folder
	for _, in := range set.Include {
		if p.under(in) {
			p.chosen[filepath.Clean(in)] = true
		}
	}
	for _, ex := range set.Excludes() {
		if filepath.IsAbs(ex) && p.under(ex) && !slices.Contains(p.caches, ex) && !strings.ContainsAny(ex, "*?[") {
			p.chosen[filepath.Clean(ex)] = false
		}
	}
	return p
}

// under says whether path is the root or inside it.
func (p *picks) under(path string) bool {
	return within(p.root, filepath.Clean(path))
}

func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// cache says whether path is a known cache or temporary folder.
func (p *picks) cache(path string) bool {
	name := filepath.Base(path)
	for _, pat := range p.caches {
		target := name
		if strings.ContainsAny(pat, `/\`) {
			target, pat = filepath.ToSlash(path), filepath.ToSlash(pat)
		}
		if ok, _ := filepath.Match(pat, target); ok {
			return true
		}
	}
	return false
}

// ticked says whether path is backed up.
func (p *picks) ticked(path string) bool {
	for cur := path; ; cur = filepath.Dir(cur) {
		if p.cache(cur) {
			return false
		}
		if v, ok := p.chosen[cur]; ok {
			return v
		}
		if cur == p.root || filepath.Dir(cur) == cur {
			return false
		}
	}
}

// partial says whether path is ticked but something below it is not, or unticked with
// something below it ticked.
func (p *picks) partial(path string) bool {
	t := p.ticked(path)
	for q, v := range p.chosen {
		if q != path && within(path, q) && v != t {
			return true
		}
	}
	return false
}

// set ticks or unticks path and everything below it.
func (p *picks) set(path string, on bool) {
	for q := range p.chosen {
		if q != path && within(path, q) {
			delete(p.chosen, q)
		}
	}
	p.chosen[path] = on
}

// settings turns the ticks into the include folders and left-out paths the backups
// read. Choices under the home folder are replaced; others (typed by an expert in the
// patterns) are kept: include lines outside the home folder, exclude patterns that are
// not a full path under it.
func (p *picks) settings(include, exclude []string) (in, ex []string) {
	for _, l := range include {
		if !p.under(l) {
			in = append(in, l)
		}
	}
	for _, l := range exclude {
		if !filepath.IsAbs(l) || !p.under(l) || slices.Contains(p.caches, l) || strings.ContainsAny(l, "*?[") {
			ex = append(ex, l)
		}
	}
	var paths []string
	for q := range p.chosen {
		paths = append(paths, q)
	}
	slices.Sort(paths)
	for _, q := range paths {
		v := p.chosen[q]
		parent := q != p.root && p.ticked(filepath.Dir(q))
		switch {
		case v && !parent:
			in = append(in, q)
		case !v && parent:
			ex = append(ex, q)
		}
	}
	for _, c := range p.caches {
		if !slices.Contains(ex, c) {
			ex = append(ex, c)
		}
	}
	return in, ex
}

// subfolders lists the folders in dir, by name; hidden ones too, as a backup has them.
func subfolders(dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range es {
		if e.IsDir() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}
