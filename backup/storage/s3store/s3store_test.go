package s3store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/backup/storage/s3store/s3test"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
)

func TestConformance(t *testing.T) {
	srv := s3test.Start(t)
	for _, prefix := range []string{"", "hearth/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Storage {
				return open(t, srv, srv.Bucket(t), prefix)
			}, storagetest.Options{})
		})
	}
}

func open(t *testing.T, srv *s3test.Server, bucket, prefix string) *s3store.Store {
	t.Helper()
	// A small part size: the large object goes up in several parts.
	s, err := s3store.New(context.Background(), s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1",
		Bucket: bucket, Prefix: prefix, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The objects sit under the key prefix; nothing of the repository is outside it.
func TestPrefixKeepsObjectsApart(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s := open(t, srv, bucket, "hearth")
	if err := s.Put(context.Background(), "snapshots/one", strReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, bucket, "hearth", "snapshots", "one")); err != nil {
		t.Errorf("the object is not under the prefix on the server: %v", err)
	}
	other := open(t, srv, bucket, "")
	if got := storagetest.List(t, other, "snapshots/"); len(got) != 0 {
		t.Errorf("without the prefix the bucket lists %v", got)
	}
}

func TestMissingBucket(t *testing.T) {
	srv := s3test.Start(t)
	_, err := s3store.New(context.Background(), s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1",
		Bucket: "not-there", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if !errors.Is(err, s3store.ErrNoBucket) {
		t.Errorf("a missing bucket: %v, want ErrNoBucket", err)
	}
}
