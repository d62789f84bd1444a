package poolstorage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		env := pooltest.New(t, 2)
		env.Share("Repo", 0)
		return New(env.Pool, "Repo/server")
	}, storagetest.Options{})
}

// Reads go through the pool's checks: a copy damaged on one drive is read from the
// other, and one damaged on both fails the read rather than returning wrong bytes.
func TestGetIsVerified(t *testing.T) {
	env := pooltest.New(t, 2)
	env.Share("Repo", 0)
	s := New(env.Pool, "Repo")
	data := storagetest.Data(1, 3<<20)
	name := storagetest.Name("packs", data)
	if err := s.Put(context.Background(), name, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	pooltest.FlipByte(t, pooltest.OnDisk(env.Drives[0], "Repo/"+name), 1000)
	if got := storagetest.Get(t, s, name); !bytes.Equal(got, data) {
		t.Fatal("a copy damaged on one drive was returned")
	}
	pooltest.FlipByte(t, pooltest.OnDisk(env.Drives[1], "Repo/"+name), 2<<20)
	pooltest.FlipByte(t, pooltest.OnDisk(env.Drives[0], "Repo/"+name), 2<<20)
	rc, err := s.Get(context.Background(), name)
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a pack damaged on every drive read as %v, want a read error", err)
	}
}

// Delete of a folder's name removes nothing: only objects are deleted.
func TestDeleteFolderNameKeepsObjects(t *testing.T) {
	env := pooltest.New(t, 1)
	env.Share("Repo", 0)
	s := New(env.Pool, "Repo")
	if err := s.Put(context.Background(), "packs/ab/abc", bytes.NewReader([]byte("x")), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(context.Background(), "packs"); err != nil {
		t.Fatal(err)
	}
	if got := storagetest.List(t, s, ""); len(got) != 1 {
		t.Errorf("after deleting the name of a folder the store lists %v", got)
	}
}

// A folder of more objects than one page of the pool's listing is listed whole.
func TestListPastOnePage(t *testing.T) {
	env := pooltest.New(t, 1)
	env.Share("Repo", 0)
	s := New(env.Pool, "Repo")
	const n = listPage + 3
	for i := range n {
		name := fmt.Sprintf("packs/ab/ab%06d", i)
		if err := s.Put(context.Background(), name, bytes.NewReader(nil), 0); err != nil {
			t.Fatal(err)
		}
	}
	if got := storagetest.List(t, s, "packs/"); len(got) != n {
		t.Errorf("listed %d objects, want %d", len(got), n)
	}
}
