// Package backupfstest stores backups straight through the backup store's API, for tests
// that need real snapshots without a PC's client.
package backupfstest

import (
	"bytes"
	"context"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/backupstore"
)

// Entry is one thing to back up. A File is cut into pieces of Chunk bytes (the whole
// file when Chunk is 0); a Link is a symbolic link; Dir makes an empty folder. Folders
// above every entry are made as needed.
type Entry struct {
	Path  string // "docs/letter.txt", relative to the backed-up folder
	Data  []byte
	Chunk int
	Link  string
	Dir   bool
	Mtime time.Time
}

// Backup stores one backup of pc, owned by owner, taken at when, of a folder that
// appears under the backup as root (a path such as "/home/ann": root → home → ann). It
// returns the snapshot's ID.
func Backup(t testing.TB, st *backupstore.Store, pc, owner string, when time.Time, root string, entries []Entry) backup.ID {
	t.Helper()
	ctx := context.Background()
	b := &builder{codec: backup.NewCodec(), pack: backup.NewPackBuilder(), seen: map[backup.ID]bool{}, dirs: map[string]*backup.TreeBlob{}}
	b.dir(strings.Trim(root, "/"))
	for _, e := range entries {
		p := path.Join(strings.Trim(root, "/"), e.Path)
		n := backup.Node{Mode: 0o644, ModTime: e.Mtime.UnixNano()}
		n.SetName(path.Base(p))
		switch {
		case e.Dir:
			b.dir(p)
			continue
		case e.Link != "":
			n.Type, n.Target, n.Mode = backup.Symlink, e.Link, 0o777
		default:
			n.Type, n.Size = backup.File, int64(len(e.Data))
			for rest := e.Data; len(rest) > 0; {
				size := len(rest)
				if e.Chunk > 0 {
					size = min(size, e.Chunk)
				}
				n.Content = append(n.Content, backup.Chunk{ID: b.add(rest[:size], backup.Data), Size: uint32(size)})
				rest = rest[size:]
			}
		}
		parent := b.dir(path.Dir(p))
		parent.Nodes = append(parent.Nodes, n)
	}
	tree := b.tree(t, "")
	session, _, err := st.Begin(ctx, pc, owner, nil)
	if err != nil {
		t.Fatalf("begin a backup of %s: %v", pc, err)
	}
	data, name := b.pack.Finish()
	if err := st.PutPack(ctx, session, name, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("store a pack: %v", err)
	}
	id, err := st.Commit(ctx, session, backup.Snapshot{Version: backup.SnapshotVersion, PC: pc, Time: when, Tree: tree, Paths: []string{root}})
	if err != nil {
		t.Fatalf("commit a backup of %s: %v", pc, err)
	}
	return id
}

type builder struct {
	codec *backup.Codec
	pack  *backup.PackBuilder
	seen  map[backup.ID]bool
	dirs  map[string]*backup.TreeBlob // by path, "" for the root
}

// add puts a blob in the pack once and returns its ID.
func (b *builder) add(plain []byte, kind backup.Kind) backup.ID {
	id := backup.Hash(plain)
	if !b.seen[id] {
		b.seen[id] = true
		stored, enc := b.codec.Compress(nil, plain)
		b.pack.Add(id, kind, enc, stored, len(plain))
	}
	return id
}

// dir returns the listing of the folder at p, making it and its parents.
func (b *builder) dir(p string) *backup.TreeBlob {
	if p == "." {
		p = ""
	}
	if d, ok := b.dirs[p]; ok {
		return d
	}
	d := &backup.TreeBlob{}
	b.dirs[p] = d
	if p != "" {
		b.dir(path.Dir(p))
	}
	return d
}

// tree stores the folder at p and those below it, and returns its ID.
func (b *builder) tree(t testing.TB, p string) backup.ID {
	t.Helper()
	d := b.dirs[p]
	var subs []string
	for q := range b.dirs {
		if q != "" && (path.Dir(q) == p || p == "" && path.Dir(q) == ".") {
			subs = append(subs, q)
		}
	}
	slices.Sort(subs)
	for _, q := range subs {
		id := b.tree(t, q)
		n := backup.Node{Type: backup.Dir, Mode: 0o755, Subtree: &id, ModTime: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano()}
		n.SetName(path.Base(q))
		d.Nodes = append(d.Nodes, n)
	}
	data, err := backup.EncodeTree(*d)
	if err != nil {
		t.Fatalf("encode the folder %q: %v", p, err)
	}
	return b.add(data, backup.Tree)
}
