// Package s3store keeps a backup repository's objects in an S3-compatible bucket (AWS,
// Backblaze, Wasabi, MinIO, Ceph RGW, SeaweedFS, Garage, versitygw): each object a key
// under an optional prefix. Puts are conditional (If-None-Match: *, on a single PUT and
// on the completion of a multipart upload alike), so an object is never overwritten and
// a put that fails leaves nothing, since S3 shows an object only once its upload
// completes.
//
// Two puts of one name from this process never both win: they take turns (see names).
// Across processes that rests on the store: AWS S3 and MinIO check If-None-Match
// atomically, versitygw's posix backend checks and then writes, so two writers racing
// there could both succeed. A repository has one writer at a time (its job), and its
// objects are named by their content, so such a race would store the same bytes twice.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Config says where the bucket is and how to sign in.
type Config struct {
	// Endpoint is the store's host and port, without a scheme ("s3.example.com",
	// "127.0.0.1:9000").
	Endpoint string
	// Insecure talks plain HTTP rather than HTTPS (a store on the home network).
	Insecure bool
	Region   string // "" lets the client ask the store
	Bucket   string
	// Prefix is put before every key ("hearth/"), so one bucket can hold other things.
	Prefix               string
	AccessKey, SecretKey string
	// PartSize is the size of a multipart upload's parts; objects larger than it go up
	// in parts. 0 means 16 MiB (S3 accepts 5 MiB and up).
	PartSize uint64
	// Limit caps the uploads at this many bytes a second on average (0: no cap).
	Limit int64
	// Transport carries the requests; nil uses one of its own that trusts the system's
	// certificate authorities only (not AWS_CA_BUNDLE or the like: what the store is
	// trusted with is said here, not by the environment).
	Transport http.RoundTripper
}

// Store is a storage.Storage in an S3 bucket.
type Store struct {
	c        *minio.Client
	bucket   string
	prefix   string
	partSize uint64
	limit    int64
	names    names
}

var _ storage.Storage = (*Store)(nil)

// ErrNoBucket: the bucket does not exist (or the keys may not see it).
var ErrNoBucket = errors.New("the bucket does not exist on the S3 store")

// New connects to the bucket and checks that it is there.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Prefix != "" && !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	if cfg.Prefix != "" {
		if err := storage.CheckName(strings.TrimSuffix(cfg.Prefix, "/")); err != nil {
			return nil, fmt.Errorf("the key prefix: %w", err)
		}
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = 16 << 20
	}
	tr := cfg.Transport
	if tr == nil {
		t, err := minio.DefaultTransport(!cfg.Insecure)
		if err != nil {
			return nil, fmt.Errorf("connect to the S3 store: %w", err)
		}
		tr = t
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    !cfg.Insecure,
		Region:    cfg.Region,
		Transport: tr,
		// Path-style addressing works with every store; virtual hosts need DNS that
		// home stores do not have.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to the S3 store: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("connect to the S3 store: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", cfg.Bucket, ErrNoBucket)
	}
	return &Store{c: c, bucket: cfg.Bucket, prefix: cfg.Prefix, partSize: cfg.PartSize, limit: cfg.Limit, names: names{m: map[string]*nameLock{}}}, nil
}

func (s *Store) key(name string) string { return s.prefix + name }

// Get opens an object. The request is made here, so a missing object is ErrNotFound
// at once rather than at the first read.
func (s *Store) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := storage.CheckName(name); err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.key(name), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.wrap("read", name, err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.wrap("read", name, err)
	}
	return &reader{obj: obj, s: s, name: name}, nil
}

// reader maps the errors of reads to the store's.
type reader struct {
	obj  *minio.Object
	s    *Store
	name string
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.obj.Read(p)
	if err != nil && err != io.EOF {
		err = r.s.wrap("read", r.name, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.obj.Close() }

// Put uploads an object unless one of its name exists: in one request up to the part
// size, in parts above it.
func (s *Store) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	defer s.names.lock(name)()
	opts := minio.PutObjectOptions{PartSize: s.partSize, ContentType: "application/octet-stream"}
	opts.SetMatchETagExcept("*") // If-None-Match: *, the store refuses to replace
	// Ask first: a store that refuses the put may answer before it has read the body
	// and drop the connection, which the client then sees as a network error.
	if s.exists(ctx, name) {
		return fmt.Errorf("%s: %w", name, storage.ErrExists)
	}
	body := storage.Body(ctx, r, size)
	if s.limit > 0 {
		body = newLimited(ctx, body, s.limit)
	}
	_, err := s.c.PutObject(ctx, s.bucket, s.key(name), body, size, opts)
	if err == nil {
		return nil
	}
	err = s.wrap("put", name, err)
	var resp minio.ErrorResponse
	if !errors.Is(err, storage.ErrExists) && !errors.As(err, &resp) && ctx.Err() == nil && s.exists(ctx, name) {
		// The connection broke, and the object is there: another writer's, or this
		// one's with the answer lost. Named by content, either holds these bytes.
		return fmt.Errorf("%s: %w", name, storage.ErrExists)
	}
	return err
}

// exists reports whether the store says it has the object.
func (s *Store) exists(ctx context.Context, name string) bool {
	_, err := s.c.StatObject(ctx, s.bucket, s.key(name), minio.StatObjectOptions{})
	return err == nil
}

// Delete removes an object; S3 says yes to removing one that is not there.
func (s *Store) Delete(ctx context.Context, name string) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	if err := s.c.RemoveObject(ctx, s.bucket, s.key(name), minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s.wrap("delete", name, err), storage.ErrNotFound) {
			return nil
		}
		return s.wrap("delete", name, err)
	}
	return nil
}

// List lists the keys under the prefix.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	if err := storage.CheckPrefix(prefix); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing's goroutine when fn stops early
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.key(prefix), Recursive: true}) {
		if o.Err != nil {
			return fmt.Errorf("list %q: %w", prefix, s.wrap("list", prefix, o.Err))
		}
		name := strings.TrimPrefix(o.Key, s.prefix)
		if storage.CheckName(name) != nil {
			continue // not one of ours (a folder marker, another program's key)
		}
		if err := fn(storage.Object{Name: name, Size: o.Size}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

var _ storage.Sweeper = (*Store)(nil)

// Sweep aborts the multipart uploads under the prefix begun before olderThan: a run
// killed mid-upload leaves its parts on the store, unlisted but billed. (A bucket
// lifecycle rule that aborts incomplete uploads after a day does the same on its own.)
func (s *Store) Sweep(ctx context.Context, olderThan time.Time) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stale := map[string]bool{}
	for u := range s.c.ListIncompleteUploads(ctx, s.bucket, s.prefix, true) {
		if u.Err != nil {
			return 0, s.wrap("list unfinished uploads in", s.prefix, u.Err)
		}
		if u.Initiated.Before(olderThan) {
			stale[u.Key] = true
		}
	}
	n := 0
	for key := range stale {
		if err := s.c.RemoveIncompleteUpload(ctx, s.bucket, key); err != nil {
			return n, s.wrap("abort the unfinished upload of", key, err)
		}
		n++
	}
	return n, nil
}

// wrap gives S3's answers the store's errors.
func (s *Store) wrap(op, name string, err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		switch {
		case resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket":
			return fmt.Errorf("%s: %w", name, storage.ErrNotFound)
		case resp.Code == "NoSuchBucket":
			return fmt.Errorf("%s %s: %w", op, name, ErrNoBucket)
		case resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed:
			return fmt.Errorf("%s: %w", name, storage.ErrExists)
		}
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}

// names makes puts of one name take turns, so the store's conditional write decides
// between them one at a time.
type names struct {
	mu sync.Mutex
	m  map[string]*nameLock
}

type nameLock struct {
	mu    sync.Mutex
	users int
}

// lock locks name and returns its unlock.
func (n *names) lock(name string) func() {
	n.mu.Lock()
	l := n.m[name]
	if l == nil {
		l = &nameLock{}
		n.m[name] = l
	}
	l.users++
	n.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		n.mu.Lock()
		if l.users--; l.users == 0 {
			delete(n.m, name)
		}
		n.mu.Unlock()
	}
}
