package restorer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/backup"
)

// blobs is a repository in memory: restoring needs nothing but blobs by name.
type blobs map[backup.ID][]byte

func (b blobs) Blob(_ context.Context, id backup.ID) ([]byte, error) {
	if d, ok := b[id]; ok {
		return d, nil
	}
	return nil, errors.New("no such blob")
}

func (b blobs) Blobs(ctx context.Context, ids []backup.ID, fn func(backup.ID, []byte) error) error {
	for _, id := range ids {
		d, err := b.Blob(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(id, d); err != nil {
			return err
		}
	}
	return nil
}

func (b blobs) tree(t *testing.T, nodes ...backup.Node) backup.ID {
	data, err := backup.EncodeTree(backup.TreeBlob{Nodes: nodes})
	if err != nil {
		t.Fatal(err)
	}
	id := backup.Hash(data)
	b[id] = data
	return id
}

func node(name string, typ backup.NodeType) backup.Node {
	n := backup.Node{Type: typ, Mode: 0o644}
	n.SetName(name)
	return n
}

// TestNoEscapeThroughLinks: a link already in the restore folder, where the backup has a
// folder, is refused instead of followed out of the restore folder.
func TestNoEscapeThroughLinks(t *testing.T) {
	b := blobs{}
	content := []byte("secret")
	cid := backup.Hash(content)
	b[cid] = content
	f := node("file.txt", backup.File)
	f.Size, f.Content = int64(len(content)), []backup.Chunk{{ID: cid, Size: uint32(len(content))}}
	sub := b.tree(t, f)
	d := node("docs", backup.Dir)
	d.Mode = 0o755 | os.ModeDir
	d.Subtree = &sub
	root := b.tree(t, d)

	to, elsewhere := t.TempDir(), t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(to, "docs")); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(context.Background(), b, root, "", to); err == nil {
		t.Error("restored through a link")
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "file.txt")); err == nil {
		t.Error("a file was written outside the restore folder")
	}
	// Into a clean folder it works, and an existing real folder is reused.
	clean := t.TempDir()
	os.Mkdir(filepath.Join(clean, "docs"), 0o755)
	if _, err := Restore(context.Background(), b, root, "", clean); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(clean, "docs", "file.txt")); string(got) != "secret" {
		t.Errorf("restored %q", got)
	}
	if _, err := Restore(context.Background(), b, root, "docs/missing", t.TempDir()); !errors.Is(err, ErrNoPath) {
		t.Errorf("a path not in the backup: %v", err)
	}
}
