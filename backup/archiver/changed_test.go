package archiver

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/backup"
)

// staleSource tells sizes of when the walk looked, not what the files hold when read.
type staleSource struct {
	OS
	sizes map[string]int64
}

type staleInfo struct {
	fs.FileInfo
	size int64
}

func (i staleInfo) Size() int64 { return i.size }

func (s staleSource) Lstat(p string) (fs.FileInfo, error) {
	fi, err := s.OS.Lstat(p)
	if n, ok := s.sizes[p]; ok && err == nil {
		return staleInfo{fi, n}, nil
	}
	return fi, err
}

// TestFileChangedSinceLooked: a file that grew or shrank between the walk and its read
// is backed up as read, cut exactly as the chunker cuts it: a small file is read whole
// without the chunker only while it is smaller than ChunkMin.
func TestFileChangedSinceLooked(t *testing.T) {
	dir := t.TempDir()
	content := map[string][]byte{}
	stale := map[string]int64{}
	for name, c := range map[string]struct{ real, looked int }{
		"grew past ChunkMin": {3 * backup.ChunkMax / 2, 100},
		"grew a little":      {5000, 100},
		"shrank":             {10, backup.ChunkMin - 1},
		"emptied":            {0, 4096},
		"as looked":          {backup.ChunkMin - 1, backup.ChunkMin - 1},
	} {
		b := make([]byte, c.real)
		rand.Read(b)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		content[name], stale[p] = b, int64(c.looked)
	}
	r := newMemRemote()
	snap, err := Run(context.Background(), r, Options{PC: "pc", Paths: []string{dir}, Source: staleSource{sizes: stale}})
	if err != nil {
		t.Fatal(err)
	}
	// The snapshot's root lists the backed-up path; its subtree lists the files.
	root, err := backup.DecodeTree(r.trees[snap.Tree])
	if err != nil {
		t.Fatal(err)
	}
	var files backup.TreeBlob
	for _, n := range root.Nodes {
		for n.Subtree != nil && files.Nodes == nil {
			sub, err := backup.DecodeTree(r.trees[*n.Subtree])
			if err != nil {
				t.Fatal(err)
			}
			if len(sub.Nodes) == len(content) {
				files = sub
				break
			}
			n = sub.Nodes[0]
		}
	}
	if len(files.Nodes) != len(content) {
		t.Fatalf("the files' folder was not found in the backup")
	}
	ch := backup.NewChunker(nil)
	for _, n := range files.Nodes {
		want := content[n.Name]
		var ids []backup.ID
		ch.Reset(bytes.NewReader(want))
		for {
			b, err := ch.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, backup.Hash(b))
		}
		if n.Size != int64(len(want)) || len(n.Content) != len(ids) {
			t.Errorf("%s: %d bytes in %d pieces, want %d in %d", n.Name, n.Size, len(n.Content), len(want), len(ids))
			continue
		}
		for i, c := range n.Content {
			if c.ID != ids[i] {
				t.Errorf("%s: piece %d is not the chunker's", n.Name, i)
			}
		}
	}
}
