// Package backupfs shows the PCs' backups as a read-only file system
// (golang.org/x/net/webdav.FileSystem), so a family brings back a file by opening the
// backup as a folder and dragging the file out.
//
// The view belongs to one person: "/" lists the PCs they may see (their own, or every PC
// for an administrator; signed in with a PC's device token, that PC's alone), "/<PC>" lists that PC's backups by their local date and time
// (backup.FolderName), and "/<PC>/<date time>/..." walks the backup's folders as the PC
// had them. Nothing can be changed: every write is refused with os.ErrPermission.
package backupfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"golang.org/x/net/webdav"
)

// Store is what the view reads from the backup repository; *backupstore.Store is one.
type Store interface {
	PCs(ctx context.Context) ([]backupstore.PC, error)
	Snapshots(ctx context.Context, pc string) ([]backupstore.SnapshotInfo, error)
	Tree(ctx context.Context, id backup.ID) (backup.TreeBlob, error)
	Blob(ctx context.Context, id backup.ID) ([]byte, error)
}

// FS is one person's read-only view of the backups. It remembers what it has read (the
// list of PCs, their backups, folder listings), so it is meant to live for one request:
// a folder listing opens every entry it shows, and each must not read the store again.
type FS struct {
	store Store
	who   auth.Principal

	mu    sync.Mutex
	pcs   []backupstore.PC // those the person may see, once read
	read  bool             // pcs has been read
	snaps map[string][]snapshot
	kids  map[string][]*info // folder listings, by info.key
}

var _ webdav.FileSystem = (*FS)(nil)

// New returns who's view of the backups in st.
func New(st Store, who auth.Principal) *FS {
	return &FS{store: st, who: who, snaps: map[string][]snapshot{}, kids: map[string][]*info{}}
}

// snapshot is a backup under the name its folder has.
type snapshot struct {
	folder string
	backupstore.SnapshotInfo
}

// PCs returns the PCs whose backups the view shows, by name.
func (f *FS) PCs(ctx context.Context) ([]backupstore.PC, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pcsLocked(ctx)
}

func (f *FS) pcsLocked(ctx context.Context) ([]backupstore.PC, error) {
	if f.read {
		return f.pcs, nil
	}
	all, err := f.store.PCs(ctx)
	if err != nil {
		return nil, fmt.Errorf("list the PCs that back up: %w", err)
	}
	for _, pc := range all {
		// A device token sees its own PC's backups alone, whoever it belongs to.
		if f.who.OwnPC(pc.Name) && (f.who.Admin || strings.EqualFold(pc.Owner, f.who.Name)) {
			f.pcs = append(f.pcs, pc)
		}
	}
	slices.SortFunc(f.pcs, func(a, b backupstore.PC) int { return strings.Compare(a.Name, b.Name) })
	f.read = true
	return f.pcs, nil
}

// snapshots returns a PC's backups, oldest first, each with its folder name. Two backups
// in the same second would share a name; the later one is called "<date time> (2)".
func (f *FS) snapshots(ctx context.Context, pc string) ([]snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.snaps[pc]; ok {
		return s, nil
	}
	list, err := f.store.Snapshots(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("list the backups of %s: %w", pc, err)
	}
	out := make([]snapshot, len(list))
	seen := map[string]int{}
	for i, s := range list {
		name := backup.FolderName(s.Time)
		if seen[name]++; seen[name] > 1 {
			name = fmt.Sprintf("%s (%d)", name, seen[name])
		}
		out[i] = snapshot{folder: name, SnapshotInfo: s}
	}
	f.snaps[pc] = out
	return out, nil
}

// lookup finds a name ("/", "/PC", "/PC/date time/dir/file"). A PC the person may not
// see does not exist for them.
func (f *FS) lookup(ctx context.Context, name string) (*info, error) {
	cur := rootInfo()
	rest := strings.Trim(path.Clean("/"+name), "/")
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, "/")
		next, err := f.child(ctx, cur, part)
		if err != nil {
			return nil, err
		}
		cur = next
	}
	return cur, nil
}

// child finds one entry of a folder. At the top only the PC asked for has its backups
// read, not every PC's.
func (f *FS) child(ctx context.Context, dir *info, name string) (*info, error) {
	if dir.root {
		pcs, err := f.PCs(ctx)
		if err != nil {
			return nil, err
		}
		for _, pc := range pcs {
			if pc.Name == name {
				return f.pcInfo(ctx, pc.Name)
			}
		}
		return nil, os.ErrNotExist
	}
	kids, err := f.children(ctx, dir)
	if err != nil {
		return nil, err
	}
	i, found := slices.BinarySearchFunc(kids, name, func(k *info, name string) int { return strings.Compare(k.name, name) })
	if !found {
		return nil, os.ErrNotExist
	}
	return kids[i], nil
}

// pcInfo describes a PC's folder; its time is that of its last backup.
func (f *FS) pcInfo(ctx context.Context, pc string) (*info, error) {
	snaps, err := f.snapshots(ctx, pc)
	if err != nil {
		return nil, err
	}
	last := time.Unix(0, 0)
	for _, s := range snaps {
		if s.Time.After(last) {
			last = s.Time
		}
	}
	return &info{name: pc, mode: fs.ModeDir | 0o555, mtime: last, pc: pc}, nil
}

// children lists a folder, sorted by name. Lists are remembered: a folder listing looks
// up each of its entries by name, and a backed-up folder may hold many thousands.
func (f *FS) children(ctx context.Context, dir *info) ([]*info, error) {
	key := dir.key()
	f.mu.Lock()
	kids, ok := f.kids[key]
	f.mu.Unlock()
	if ok {
		return kids, nil
	}
	switch {
	case dir.root:
		pcs, err := f.PCs(ctx)
		if err != nil {
			return nil, err
		}
		for _, pc := range pcs {
			in, err := f.pcInfo(ctx, pc.Name)
			if err != nil {
				return nil, err
			}
			kids = append(kids, in)
		}
	case dir.pc != "":
		snaps, err := f.snapshots(ctx, dir.pc)
		if err != nil {
			return nil, err
		}
		for _, s := range snaps {
			kids = append(kids, &info{name: s.folder, mode: fs.ModeDir | 0o555, mtime: s.Time, tree: &s.Tree})
		}
	case dir.tree != nil:
		t, err := f.store.Tree(ctx, *dir.tree)
		if err != nil {
			return nil, fmt.Errorf("read a backed-up folder (%s): %w", dir.tree.Short(), err)
		}
		for i := range t.Nodes {
			if in := nodeInfo(&t.Nodes[i]); in != nil {
				kids = append(kids, in)
			}
		}
	default:
		return nil, errNotDir
	}
	slices.SortFunc(kids, func(a, b *info) int { return strings.Compare(a.name, b.name) })
	f.mu.Lock()
	if len(f.kids) >= maxRemembered {
		// A walk through a whole backup (a folder's zip) lists every folder of it: kept
		// all, a PC's million files would stay in memory until the download ends.
		// Forgotten, a listing is read again when next needed: the folders on the way
		// down, once per maxRemembered listings.
		clear(f.kids)
	}
	f.kids[key] = kids
	f.mu.Unlock()
	return kids, nil
}

var errNotDir = errors.New("not a folder")

// maxRemembered is how many folder listings a view keeps at most.
const maxRemembered = 256

// nodeInfo describes an entry of a backed-up folder, or returns nil for one the view
// leaves out:
//   - symbolic links: their target is a path on the PC, not in the backup, and shown as a
//     file they would bring back something other than what the PC had;
//   - names no WebDAV path can reach here (not UTF-8, a backslash or a control
//     character, too long): listed, they could be seen but not opened, and a client that
//     copies a whole folder would fail on them.
func nodeInfo(n *backup.Node) *info {
	name := n.FileName()
	if _, err := safepath.Clean(name); err != nil || strings.Contains(name, "/") {
		return nil
	}
	in := &info{name: name, mtime: time.Unix(0, n.ModTime)}
	switch n.Type {
	case backup.File:
		in.mode, in.size, in.content = n.Mode.Perm(), n.Size, n.Content
	case backup.Dir:
		in.mode, in.tree = fs.ModeDir|n.Mode.Perm(), n.Subtree
	default:
		return nil
	}
	return in
}

// Stat describes a name.
func (f *FS) Stat(ctx context.Context, name string) (os.FileInfo, error) {
	in, err := f.lookup(ctx, name)
	if err != nil {
		return nil, pathErr("stat", name, err)
	}
	return in, nil
}

// OpenFile opens a file or folder for reading; any other use is refused.
func (f *FS) OpenFile(ctx context.Context, name string, flag int, _ os.FileMode) (webdav.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND) != 0 {
		return nil, pathErr("open", name, os.ErrPermission)
	}
	in, err := f.lookup(ctx, name)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	if in.IsDir() {
		return &dir{fs: f, ctx: ctx, name: name, info: in}, nil
	}
	return newFile(ctx, f.store, name, in), nil
}

// Mkdir is refused: backups are read-only.
func (f *FS) Mkdir(_ context.Context, name string, _ os.FileMode) error {
	return pathErr("mkdir", name, os.ErrPermission)
}

// RemoveAll is refused: backups are read-only.
func (f *FS) RemoveAll(_ context.Context, name string) error {
	return pathErr("remove", name, os.ErrPermission)
}

// Rename is refused: backups are read-only.
func (f *FS) Rename(_ context.Context, oldName, _ string) error {
	return pathErr("rename", oldName, os.ErrPermission)
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}
