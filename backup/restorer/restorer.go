// Package restorer brings files back from a backup: a whole tree or one part of it, into
// a folder, byte-identical, with modification times, permissions and links. Files are
// written beside their final name and renamed into place, so a restore cut off midway
// never leaves a half-written file under a real name.
package restorer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hearth-home/hearth/backup"
	"golang.org/x/sync/errgroup"
)

// Loader fetches blobs' plain content, checked against their names.
type Loader interface {
	Blob(ctx context.Context, id backup.ID) ([]byte, error)
	// Blobs fetches many at once and calls fn with each, in any order.
	Blobs(ctx context.Context, ids []backup.ID, fn func(id backup.ID, plain []byte) error) error
}

// Stats say what a restore did.
type Stats struct {
	Files, Dirs, Links int64
	Bytes              int64
	// Kept and Skipped count what was in the way: restored beside it, or left alone.
	Kept, Skipped int64
}

// ErrNoPath: the path is not in the backup.
var ErrNoPath = errors.New("that path is not in this backup")

// Restore writes the part of the tree root at sub (a slash-separated path inside the
// backup, "" for all of it) into dir, which is created if needed. Files are fetched in
// batches of many pieces, several batches at once, and each piece is written where every
// file that holds it needs it. What is in the way is met as opt says: never replaced
// without being asked.
func Restore(ctx context.Context, l Loader, root backup.ID, sub, dir string, opt Options) (Stats, error) {
	r := &restorer{l: l, batch: newBatch(), opt: opt}
	node, err := r.find(ctx, root, sub)
	if err != nil {
		return Stats{}, err
	}
	if opt.Conflict == nil {
		n, examples, err := Conflicts(ctx, l, root, sub, dir)
		if err != nil {
			return Stats{}, err
		}
		if n > 0 {
			return Stats{}, &ReplaceError{Count: n, Examples: examples}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("make the restore folder: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchers)
	r.g, r.gctx = g, gctx
	var dirs []dirTime
	if node == nil {
		err = r.tree(gctx, root, dir, &dirs)
	} else {
		err = r.node(gctx, *node, filepath.Join(dir, node.FileName()), &dirs)
	}
	if err == nil {
		r.dispatch()
	}
	if werr := g.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		for _, j := range r.jobs {
			if j.left.Load() > 0 {
				j.f.Close()
				os.Remove(j.tmp)
			}
		}
		return r.stats(), err
	}
	// Folder times last: writing into a folder changes its time.
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		os.Chmod(d.path, d.mode.Perm())
		os.Chtimes(d.path, d.mtime, d.mtime)
	}
	return r.stats(), nil
}

// fetchers is how many batches are fetched at once; batchBlobs and batchBytes bound one.
const (
	fetchers   = 4
	batchBlobs = 512
	batchBytes = 16 << 20
)

type restorer struct {
	l                  Loader
	opt                Options
	g                  *errgroup.Group
	gctx               context.Context
	batch              *batch
	jobs               []*fileJob
	files, dirs, links atomic.Int64
	bytes              atomic.Int64
	kept, skipped      atomic.Int64
}

// fileJob is a file being restored under its temporary name. It stays open until its
// last piece is written: opening it again for each piece was a tenth of a restore's
// work on the PC. At most the files of the batches in flight are open at once, a few
// thousand, well within what Go asks of the system at start.
type fileJob struct {
	path, tmp string
	f         *os.File
	node      backup.Node
	left      atomic.Int64 // pieces not yet written
}

// target is where a piece goes.
type target struct {
	job *fileJob
	off int64
}

// batch gathers the pieces of the next request.
type batch struct {
	ids     []backup.ID
	targets map[backup.ID][]target
	bytes   int64
}

func newBatch() *batch { return &batch{targets: map[backup.ID][]target{}} }

func (r *restorer) stats() Stats {
	return Stats{Files: r.files.Load(), Dirs: r.dirs.Load(), Links: r.links.Load(), Bytes: r.bytes.Load(),
		Kept: r.kept.Load(), Skipped: r.skipped.Load()}
}

type dirTime struct {
	path  string
	mode  fs.FileMode
	mtime time.Time
}

func (r *restorer) loadTree(ctx context.Context, id backup.ID) (backup.TreeBlob, error) {
	data, err := r.l.Blob(ctx, id)
	if err != nil {
		return backup.TreeBlob{}, fmt.Errorf("folder listing %s: %w", id.Short(), err)
	}
	return backup.DecodeTree(data)
}

// find returns the node at sub, or nil for the root itself.
func (r *restorer) find(ctx context.Context, root backup.ID, sub string) (*backup.Node, error) {
	names := backup.PathNames(sub)
	if len(names) == 0 {
		return nil, nil
	}
	cur := root
	for i, name := range names {
		t, err := r.loadTree(ctx, cur)
		if err != nil {
			return nil, err
		}
		var found *backup.Node
		for j := range t.Nodes {
			if t.Nodes[j].FileName() == name {
				found = &t.Nodes[j]
			}
		}
		if found == nil {
			return nil, fmt.Errorf("%s: %w", sub, ErrNoPath)
		}
		if i == len(names)-1 {
			return found, nil
		}
		if found.Subtree == nil {
			return nil, fmt.Errorf("%s: %w", sub, ErrNoPath)
		}
		cur = *found.Subtree
	}
	return nil, nil
}

func (r *restorer) tree(ctx context.Context, id backup.ID, dir string, dirs *[]dirTime) error {
	t, err := r.loadTree(ctx, id)
	if err != nil {
		return err
	}
	for _, n := range t.Nodes {
		if err := r.node(ctx, n, filepath.Join(dir, n.FileName()), dirs); err != nil {
			return err
		}
	}
	return nil
}

func (r *restorer) node(ctx context.Context, n backup.Node, path string, dirs *[]dirTime) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if name := n.FileName(); strings.ContainsAny(name, unsafeHere) {
		return fmt.Errorf("%q cannot be restored on this system: its name holds %q; restore it on the kind of PC it came from", name, unsafeHere)
	}
	mtime := time.Unix(0, n.ModTime)
	if r.opt.Conflict != nil && inTheWay(n.Type, path) {
		switch r.opt.Conflict(path) {
		case Skip:
			r.skipped.Add(1)
			return nil
		case KeepBoth:
			path = keepBothName(path)
			r.kept.Add(1)
		case Replace:
			if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
				// A folder where a file or link goes is never emptied for it: beside.
				path = keepBothName(path)
				r.kept.Add(1)
			} else if n.Type == backup.Dir {
				// A file where the folder goes: the person chose to replace it.
				if err := os.Remove(path); err != nil {
					return fmt.Errorf("replace %s: %w", path, err)
				}
			}
		}
	}
	switch n.Type {
	case backup.Dir:
		if err := os.Mkdir(path, 0o700); err != nil {
			// Restoring into a folder that exists is fine; through a link to elsewhere
			// it is not: the files would land outside the restore folder.
			fi, lerr := os.Lstat(path)
			if !errors.Is(err, fs.ErrExist) || lerr != nil || !fi.IsDir() {
				return fmt.Errorf("make folder %s: %w", path, err)
			}
		}
		r.dirs.Add(1)
		*dirs = append(*dirs, dirTime{path, n.Mode, mtime})
		return r.tree(ctx, *n.Subtree, path, dirs)
	case backup.Symlink:
		os.Remove(path)
		if err := os.Symlink(n.Target, path); err != nil {
			return fmt.Errorf("make link: %w", err)
		}
		r.links.Add(1)
		return nil
	case backup.File:
		return r.file(n, path)
	}
	return nil
}

// file starts restoring one file: its temporary file is made now, its pieces join the
// batches, and it is finished when the last one is written.
func (r *restorer) file(n backup.Node, path string) error {
	// A name no entry of the backup can have (it carries a random part), made here, so
	// the pieces never land in another file or through a link.
	f, err := os.CreateTemp(filepath.Dir(path), ".hearth-restore-*")
	if err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	j := &fileJob{path: path, tmp: f.Name(), f: f, node: n}
	if len(n.Content) == 0 {
		return r.finish(j)
	}
	r.jobs = append(r.jobs, j)
	j.left.Store(int64(len(n.Content)))
	var off int64
	for _, c := range n.Content {
		b := r.batch
		if _, ok := b.targets[c.ID]; !ok {
			b.ids = append(b.ids, c.ID)
			b.bytes += int64(c.Size)
		}
		b.targets[c.ID] = append(b.targets[c.ID], target{j, off})
		off += int64(c.Size)
		if len(b.ids) >= batchBlobs || b.bytes >= batchBytes {
			r.dispatch()
		}
	}
	return nil
}

// dispatch sends the batch gathered so far.
func (r *restorer) dispatch() {
	b := r.batch
	if len(b.ids) == 0 {
		return
	}
	r.batch = newBatch()
	r.g.Go(func() error { return r.fetch(r.gctx, b) })
}

func (r *restorer) fetch(ctx context.Context, b *batch) error {
	return r.l.Blobs(ctx, b.ids, func(id backup.ID, plain []byte) error {
		zero := allZero(plain)
		for _, t := range b.targets[id] {
			if !zero {
				if _, err := t.job.f.WriteAt(plain, t.off); err != nil {
					return fmt.Errorf("restore %s: %w", t.job.path, err)
				}
			}
			r.bytes.Add(int64(len(plain)))
			if t.job.left.Add(-1) == 0 {
				if err := r.finish(t.job); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// finish gives a complete file its size (holes at its end included), mode and time, and
// its real name. It is closed first: on Windows an open file cannot be renamed.
func (r *restorer) finish(j *fileJob) error {
	mtime := time.Unix(0, j.node.ModTime)
	err := j.f.Truncate(j.node.Size)
	if err == nil {
		err = j.f.Chmod(j.node.Mode.Perm())
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(j.tmp)
		return fmt.Errorf("restore %s: %w", j.path, err)
	}
	steps := []func() error{
		func() error { return os.Chtimes(j.tmp, mtime, mtime) },
		func() error { return os.Rename(j.tmp, j.path) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			os.Remove(j.tmp)
			return fmt.Errorf("restore %s: %w", j.path, err)
		}
	}
	r.files.Add(1)
	return nil
}

func allZero(b []byte) bool {
	var zeros [4096]byte
	for len(b) > 0 {
		n := min(len(b), len(zeros))
		if !bytes.Equal(b[:n], zeros[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}
