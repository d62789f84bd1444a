package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/backup/storage/s3store/s3test"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
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

// Sweep aborts a multipart upload a killed run left under the prefix, and leaves the
// objects and other prefixes alone.
func TestSweepIncompleteUploads(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s := open(t, srv, bucket, "hearth")
	if err := s.Put(ctx, "snapshots/one", strReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	core, err := minio.NewCore(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""),
		BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"hearth/packs/ab/abc", "other/thing"} {
		if _, err := core.NewMultipartUpload(ctx, bucket, key, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Sweep(ctx, time.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v; want the one under the prefix", n, err)
	}
	left := 0
	for u := range core.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		if u.Key != "other/thing" {
			t.Errorf("an upload under the prefix is left: %s", u.Key)
		}
		left++
	}
	if left != 1 {
		t.Errorf("%d uploads left, want the other program's", left)
	}
	if got := storagetest.List(t, s, ""); len(got) != 1 {
		t.Errorf("the objects after sweeping: %v", got)
	}
}

// A store with an upload cap stores what it is given, whole (the pace itself is
// checked on a moved clock in limit_test.go).
func TestLimitedPut(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	s, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1",
		Bucket: srv.Bucket(t), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Limit: 512 << 20, PartSize: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	data := storagetest.Data(9, 6<<20)
	if err := s.Put(ctx, "packs/ab/abc", bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	if got := storagetest.Get(t, s, "packs/ab/abc"); !bytes.Equal(got, data) {
		t.Error("the capped upload stored other bytes")
	}
}
