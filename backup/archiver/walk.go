package archiver

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/backup"
)

// include is the part of the filesystem a backup covers: the folders on the way to each
// chosen path, and everything beneath a chosen path.
type include struct {
	path     string // real path
	all      bool
	children map[string]*include
}

func includes(paths []string) *include {
	root := &include{children: map[string]*include{}}
	for _, p := range paths {
		cur := root
		for i, name := range backup.PathNames(p) {
			next := cur.children[name]
			if next == nil {
				next = &include{path: realPath(p, i), children: map[string]*include{}}
				cur.children[name] = next
			}
			cur = next
		}
		cur.all = true
	}
	return root
}

// realPath is the path of the first i+1 components of p.
func realPath(p string, i int) string {
	vol := filepath.VolumeName(p)
	names := strings.Split(strings.Trim(filepath.ToSlash(p[len(vol):]), "/"), "/")
	if vol != "" {
		if i == 0 {
			return vol + string(filepath.Separator)
		}
		return vol + string(filepath.Separator) + filepath.Join(names[:i]...)
	}
	return string(filepath.Separator) + filepath.Join(names[:i+1]...)
}

// pending is a folder entry whose node may still wait for its content.
type pending struct {
	node backup.Node
	file *fileJob
	dir  *dirJob
	// old is the entry in the previous backup: kept when the file cannot be read now,
	// so a locked or unreadable file is not dropped from the backups.
	old *backup.Node
}

// dirJob is a folder whose tree is made once everything in it is known.
type dirJob struct {
	entries []pending
	id      backup.ID
	// carry is the previous backup's listing, used when the folder cannot be read now.
	carry *backup.ID
}

// walk walks the included paths and returns the root tree's ID once every folder is
// finished. Folders are finished in post-order by one goroutine, so the walk itself never
// waits for file contents.
func (a *archiver) walk(paths []string) (backup.ID, error) {
	done := make(chan *dirJob, 4096)
	finished := make(chan error, 1)
	go func() { finished <- a.finish(done) }()
	var prev *backup.TreeBlob
	if a.opt.Parent != nil {
		prev = a.loadTree(&a.opt.Parent.Tree)
	}
	root := a.walkDir("", includes(paths), prev, nil, done)
	close(done)
	if err := <-finished; err != nil {
		return backup.ID{}, err
	}
	return root.id, nil
}

// loadTree fetches a tree of the previous backup; nil when it cannot be had (then files
// are read again, which is slower but right).
func (a *archiver) loadTree(id *backup.ID) *backup.TreeBlob {
	if id == nil {
		return nil
	}
	data, err := a.remote.Blob(a.ctx, *id)
	if err != nil {
		a.opt.Log.Debug("previous folder listing unavailable", "tree", id.Short(), "err", err)
		return nil
	}
	t, err := backup.DecodeTree(data)
	if err != nil {
		return nil
	}
	return &t
}

func (a *archiver) walkDir(dir string, inc *include, prev *backup.TreeBlob, prevID *backup.ID, done chan<- *dirJob) *dirJob {
	job := &dirJob{}
	defer func() { done <- job }()
	if a.ctx.Err() != nil {
		return job
	}
	type item struct {
		name, path string
		inc        *include
	}
	var items []item
	if inc != nil && !inc.all {
		for name, c := range inc.children {
			items = append(items, item{name, c.path, c})
		}
		slices.SortFunc(items, func(x, y item) int { return strings.Compare(x.name, y.name) })
	} else {
		entries, err := a.opt.Source.ReadDir(dir)
		if err != nil {
			if prevID != nil {
				err = fmt.Errorf("%w (the previous backup's copy is kept)", err)
				job.carry = prevID
			}
			a.skipped.add(dir, err)
			return job
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if !a.excluded(p, e.Name()) {
				items = append(items, item{e.Name(), p, nil})
			}
		}
	}
	for _, it := range items {
		var old *backup.Node
		if prev != nil {
			if i, ok := slices.BinarySearchFunc(prev.Nodes, it.name, func(n backup.Node, name string) int { return strings.Compare(n.FileName(), name) }); ok {
				old = &prev.Nodes[i]
			}
		}
		if p, ok := a.entry(it.path, it.name, it.inc, old, done); ok {
			job.entries = append(job.entries, p)
		}
	}
	return job
}

// entry looks at one folder entry. Devices, sockets and pipes are not backed up.
func (a *archiver) entry(path, name string, inc *include, old *backup.Node, done chan<- *dirJob) (pending, bool) {
	fi, err := a.opt.Source.Lstat(path)
	if err != nil {
		a.skipped.add(path, err)
		return pending{}, false
	}
	n := backup.Node{Mode: fi.Mode(), ModTime: fi.ModTime().UnixNano()}
	n.SetName(name)
	n.Inode, n.UID, n.GID = identity(fi)
	switch {
	case fi.IsDir():
		n.Type = backup.Dir
		var prevTree *backup.TreeBlob
		var prevID *backup.ID
		if old != nil && old.Type == backup.Dir {
			prevTree, prevID = a.loadTree(old.Subtree), old.Subtree
		}
		if inc == nil {
			inc = &include{all: true}
		}
		return pending{node: n, dir: a.walkDir(path, inc, prevTree, prevID, done)}, true
	case fi.Mode().IsRegular():
		n.Type, n.Size = backup.File, fi.Size()
		if old != nil && old.Type == backup.File && old.Size == n.Size && old.ModTime == n.ModTime && old.Inode == n.Inode {
			n.Content = old.Content
			for _, c := range n.Content {
				a.known.claim(c.ID)
			}
			a.prog.unchanged(n.Size)
			return pending{node: n}, true
		}
		job := &fileJob{path: path, size: n.Size, read: make(chan struct{})}
		a.files <- job
		if old != nil && old.Type != backup.File {
			old = nil
		}
		return pending{node: n, file: job, old: old}, true
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := a.opt.Source.Readlink(path)
		if err != nil || target == "" {
			a.skipped.add(path, errors.Join(err, errors.New("unreadable link")))
			return pending{}, false
		}
		n.Type, n.Target = backup.Symlink, target
		return pending{node: n}, true
	}
	return pending{}, false
}

func (a *archiver) excluded(path, name string) bool {
	for _, pat := range a.opt.Exclude {
		target := name
		if strings.ContainsAny(pat, `/\`) {
			target = filepath.ToSlash(path)
			pat = filepath.ToSlash(pat)
		}
		if ok, _ := filepath.Match(pat, target); ok {
			return true
		}
	}
	return false
}

// finish makes the trees of finished folders, in post-order: a folder's subfolders
// are always finished before it.
func (a *archiver) finish(done <-chan *dirJob) error {
	var err error
	for job := range done {
		if err != nil || a.ctx.Err() != nil {
			continue
		}
		err = a.finishDir(job)
	}
	return err
}

func (a *archiver) finishDir(job *dirJob) error {
	if job.carry != nil {
		job.id = *job.carry
		return nil
	}
	t := backup.TreeBlob{Nodes: make([]backup.Node, 0, len(job.entries))}
	for _, e := range job.entries {
		n := e.node
		switch {
		case e.file != nil:
			<-e.file.read
			e.file.wg.Wait()
			if e.file.err != nil {
				if a.ctx.Err() != nil {
					return a.ctx.Err()
				}
				if e.old == nil {
					a.skipped.add(e.file.path, e.file.err)
					continue
				}
				a.skipped.add(e.file.path, fmt.Errorf("%w (the previous backup's copy is kept)", e.file.err))
				t.Nodes = append(t.Nodes, *e.old)
				continue
			}
			n.Size = 0
			n.Content = make([]backup.Chunk, len(e.file.parts))
			for i, c := range e.file.parts {
				n.Content[i] = backup.Chunk{ID: c.id, Size: uint32(c.size)}
				n.Size += int64(n.Content[i].Size)
			}
			a.prog.fileDone()
		case e.dir != nil:
			id := e.dir.id
			n.Subtree = &id
		}
		t.Nodes = append(t.Nodes, n)
	}
	data, err := backup.EncodeTree(t)
	if err != nil {
		return err
	}
	job.id = backup.Hash(data)
	if a.known.claim(job.id) {
		return nil
	}
	c := &chunk{data: data, id: job.id, kind: backup.Tree, held: min(int64(len(data)), inflight)}
	if err := a.hold(c.held); err != nil {
		return err
	}
	a.asks <- c
	return nil
}
