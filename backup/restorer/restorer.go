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
}

// Stats say what a restore did.
type Stats struct {
	Files, Dirs, Links int64
	Bytes              int64
}

// ErrNoPath: the path is not in the backup.
var ErrNoPath = errors.New("that path is not in this backup")

// Restore writes the part of the tree root at sub (a slash-separated path inside the
// backup, "" for all of it) into dir, which is created if needed.
func Restore(ctx context.Context, l Loader, root backup.ID, sub, dir string) (Stats, error) {
	r := &restorer{l: l}
	node, err := r.find(ctx, root, sub)
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("make the restore folder: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	r.g, r.gctx = g, gctx
	var dirs []dirTime
	if node == nil {
		err = r.tree(gctx, root, dir, &dirs)
	} else {
		err = r.node(gctx, *node, filepath.Join(dir, node.FileName()), &dirs)
	}
	if werr := g.Wait(); err == nil {
		err = werr
	}
	if err != nil {
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

type restorer struct {
	l                  Loader
	g                  *errgroup.Group
	gctx               context.Context
	files, dirs, links atomic.Int64
	bytes              atomic.Int64
}

func (r *restorer) stats() Stats {
	return Stats{Files: r.files.Load(), Dirs: r.dirs.Load(), Links: r.links.Load(), Bytes: r.bytes.Load()}
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
	sub = strings.Trim(filepath.ToSlash(sub), "/")
	if sub == "" {
		return nil, nil
	}
	cur := root
	names := strings.Split(sub, "/")
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
	mtime := time.Unix(0, n.ModTime)
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
		r.g.Go(func() error { return r.file(r.gctx, n, path, mtime) })
		return nil
	}
	return nil
}

// file writes one file under a temporary name, leaving holes where the backup holds
// zeros, and renames it into place once it is complete.
func (r *restorer) file(ctx context.Context, n backup.Node, path string, mtime time.Time) error {
	tmp := path + ".hearth-restore"
	// A leftover of a restore cut off before is replaced; never followed if it is a link.
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	var off int64
	for _, c := range n.Content {
		data, err := r.l.Blob(ctx, c.ID)
		if err != nil {
			return fmt.Errorf("restore %s: %w", path, err)
		}
		if !allZero(data) {
			if _, err := f.WriteAt(data, off); err != nil {
				return fmt.Errorf("restore %s: %w", path, err)
			}
		}
		off += int64(len(data))
		r.bytes.Add(int64(len(data)))
	}
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	if err := f.Chmod(n.Mode.Perm()); err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("restore %s: %w", path, err)
	}
	ok = true
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
