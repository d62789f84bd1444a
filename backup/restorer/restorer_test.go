package restorer

import (
	"bytes"
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
	if _, err := Restore(context.Background(), b, root, "", to, Options{}); err == nil {
		t.Error("restored through a link")
	}
	if _, err := os.Stat(filepath.Join(elsewhere, "file.txt")); err == nil {
		t.Error("a file was written outside the restore folder")
	}
	// Into a clean folder it works, and an existing real folder is reused.
	clean := t.TempDir()
	os.Mkdir(filepath.Join(clean, "docs"), 0o755)
	if _, err := Restore(context.Background(), b, root, "", clean, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(clean, "docs", "file.txt")); string(got) != "secret" {
		t.Errorf("restored %q", got)
	}
	if _, err := Restore(context.Background(), b, root, "docs/missing", t.TempDir(), Options{}); !errors.Is(err, ErrNoPath) {
		t.Errorf("a path not in the backup: %v", err)
	}
}

// failing is a repository whose connection drops after some pieces.
type failing struct {
	blobs
	left int
}

func (f *failing) Blobs(ctx context.Context, ids []backup.ID, fn func(backup.ID, []byte) error) error {
	for _, id := range ids {
		if f.left == 0 {
			return errors.New("connection lost")
		}
		f.left--
		d, _ := f.Blob(ctx, id)
		if err := fn(id, d); err != nil {
			return err
		}
	}
	return nil
}

// TestCutOffRestoreLeavesNoHalfFile: a restore that stops midway leaves no file under its
// real name with only part of its content, and no temporary file behind.
func TestCutOffRestoreLeavesNoHalfFile(t *testing.T) {
	b := blobs{}
	f := node("big.bin", backup.File)
	for i := range 3 {
		piece := bytes.Repeat([]byte{byte('a' + i)}, 1000)
		b[backup.Hash(piece)] = piece
		f.Content = append(f.Content, backup.Chunk{ID: backup.Hash(piece), Size: 1000})
		f.Size += 1000
	}
	root := b.tree(t, f)
	to := t.TempDir()
	if _, err := Restore(context.Background(), &failing{blobs: b, left: 2}, root, "", to, Options{}); err == nil {
		t.Fatal("a restore that lost its connection reported success")
	}
	left, _ := os.ReadDir(to)
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
