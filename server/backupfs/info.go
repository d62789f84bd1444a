package backupfs

import (
	"context"
	"io/fs"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"golang.org/x/net/webdav"
)

// info describes an entry of the view: the top folder, a PC's folder, a backup or a
// folder in one (tree), or a backed-up file (content).
type info struct {
	name    string
	size    int64
	mode    fs.FileMode
	mtime   time.Time
	root    bool
	pc      string
	tree    *backup.ID
	content []backup.Chunk
}

func rootInfo() *info {
	return &info{name: "/", mode: fs.ModeDir | 0o555, mtime: time.Unix(0, 0), root: true}
}

func (i *info) Name() string       { return i.name }
func (i *info) Size() int64        { return i.size }
func (i *info) Mode() fs.FileMode  { return i.mode }
func (i *info) ModTime() time.Time { return i.mtime }
func (i *info) IsDir() bool        { return i.mode.IsDir() }
func (i *info) Sys() any           { return nil }

// key names a folder's listing: two backed-up folders with the same content are one
// tree and share it.
func (i *info) key() string {
	switch {
	case i.root:
		return "/"
	case i.pc != "":
		return "pc/" + i.pc
	case i.tree != nil:
		return "tree/" + i.tree.String()
	}
	return ""
}

// ETag is strong and comes from the content: a file's from its chunks' names, a backed-up
// folder's from its tree. The others leave it to the engine (time and size).
func (i *info) ETag(context.Context) (string, error) {
	switch {
	case i.tree != nil:
		return `"t` + i.tree.String()[:32] + `"`, nil
	case !i.IsDir():
		ids := make([]byte, 0, len(i.content)*len(backup.ID{}))
		for _, c := range i.content {
			ids = append(ids, c.ID[:]...)
		}
		return `"` + backup.Hash(ids).String()[:32] + `"`, nil
	}
	return "", webdav.ErrNotImplemented
}

// ContentType comes from the name alone: sniffing would read a chunk of every file a
// folder listing shows.
func (i *info) ContentType(context.Context) (string, error) {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(i.name))); t != "" {
		return t, nil
	}
	return "application/octet-stream", nil
}
