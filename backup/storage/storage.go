// Package storage is where a backup repository's files live, seen through the four
// operations the repository needs: list, get, put-if-absent and delete. Packs and
// snapshot files are immutable and named by the hash of their content, so nothing is
// ever overwritten, renamed or appended to; that is what lets one interface serve the
// pool, a plain folder on an external drive and any S3-compatible store, and lets a
// conformance suite (storagetest) hold each of them to the same promises.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Errors a caller decides on. Implementations wrap them with the object's name.
var (
	// ErrNotFound: no object has that name.
	ErrNotFound = errors.New("no such object in the backup store")
	// ErrExists: Put found an object of that name already; the new data was not stored.
	// For content-named objects this means the data is there already.
	ErrExists = errors.New("an object of that name is in the backup store already")
	// ErrBadName: the name breaks the rules of CheckName.
	ErrBadName = errors.New("not a valid object name")
)

// Object is one object as List sees it.
type Object struct {
	Name string
	Size int64
}

// Storage holds a repository's objects. Every method is safe for concurrent use.
type Storage interface {
	// List calls fn with every object whose name starts with prefix (a plain string
	// prefix: "packs/" lists the packs, "packs/ab" those in packs/ab*), in no set
	// order. An object being put is listed only once it is complete. fn's error stops
	// the listing and is returned.
	List(ctx context.Context, prefix string, fn func(Object) error) error
	// Get opens an object for reading (ErrNotFound if there is none).
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// Put stores the size bytes r gives under name unless an object of that name exists
	// (ErrExists). The object appears whole and durable or not at all: a put that fails
	// (r fails or ends early, ctx ends, the store goes away) leaves nothing under name.
	Put(ctx context.Context, name string, r io.Reader, size int64) error
	// Delete removes an object. Removing one that is not there is not an error, so a
	// cleanup cut off midway can simply run again.
	Delete(ctx context.Context, name string) error
}

// Sweeper is a store where a put cut off by a crash or a pulled drive can leave
// something behind that no listing shows but that takes space: a folder's temporary
// file, an S3 store's incomplete multipart upload. Sweep removes what was begun before
// olderThan (a put still running is younger) and says how many it removed.
type Sweeper interface {
	Sweep(ctx context.Context, olderThan time.Time) (int, error)
}

// MaxName bounds a name's length: well within every store's limit (S3's is 1024 bytes,
// with room for a key prefix).
const MaxName = 512

// CheckName says whether name may name an object: slash-separated parts of ASCII
// letters, digits, '.', '_' and '-', none empty, none starting with a dot (so "." and
// ".." are out, and an implementation's own temporary files, which start with one, never
// collide with an object). The rule is narrow on purpose: every name means the same on
// Linux, Windows and macOS file systems (case aside, which hex names do not use), and
// in an S3 key.
func CheckName(name string) error {
	if name == "" || len(name) > MaxName {
		return fmt.Errorf("%q: %w", name, ErrBadName)
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == "" || part[0] == '.' {
			return fmt.Errorf("%q: %w", name, ErrBadName)
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("%q: %w", name, ErrBadName)
			}
		}
	}
	return nil
}

// CheckPrefix says whether prefix may be given to List: empty, a name, or a name
// followed by "/".
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := CheckName(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("list %q: %w", prefix, ErrBadName)
	}
	return nil
}

// Body returns the reader a Put implementation reads: r's first size bytes, failing
// with io.ErrUnexpectedEOF when r ends before them (a short body is an error, not a
// short object) and with ctx's error once ctx ends.
func Body(ctx context.Context, r io.Reader, size int64) io.Reader {
	return &body{ctx: ctx, r: r, left: size}
}

type body struct {
	ctx  context.Context
	r    io.Reader
	left int64
}

func (b *body) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err == io.EOF && b.left > 0 {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return n, err
}
