package poolsource

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// The archiver's view of the pool: a share's root and its files by their slash paths,
// a folder longer than one page listed whole, a missing path as fs.ErrNotExist.
func TestSource(t *testing.T) {
	env := pooltest.New(t, 1)
	env.Share("Photos", 0)
	env.Mkdir("Photos/many")
	const n = listPage + 2
	for i := range n {
		env.Put(fmt.Sprintf("Photos/many/%05d.jpg", i), []byte{byte(i)})
	}
	s := New(context.Background(), env.Pool)
	if fi, err := s.Lstat("/Photos"); err != nil || !fi.IsDir() || fi.Mode()&fs.ModeDir == 0 {
		t.Fatalf("the share's root: %v, %v", fi, err)
	}
	entries, err := s.ReadDir("/Photos/many")
	if err != nil || len(entries) != n {
		t.Fatalf("read %d entries (%v), want %d", len(entries), err, n)
	}
	fi, err := s.Lstat("/Photos/many/00007.jpg")
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != 1 {
		t.Fatalf("a file: %v, %v", fi, err)
	}
	f, err := s.Open("/Photos/many/00007.jpg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if len(b) != 1 || b[0] != 7 {
		t.Errorf("read %v", b)
	}
	if _, err := s.Lstat("/Photos/none"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Lstat("Photos"); err == nil {
		t.Error("a relative path was taken")
	}
}
