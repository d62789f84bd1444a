package drive

import (
	"context"
	"errors"
	"io"
	"time"
)

// Sentinel errors a caller decides on. Errors from a drive wrap one of these, or an
// *os.PathError / syscall.Errno (EIO, ENOSPC) from the operating system.
var (
	// ErrMissing: the drive's folder or its marker is gone (unplugged, unmounted).
	ErrMissing = errors.New("drive is missing")
	// ErrForeign: the marker names another pool.
	ErrForeign = errors.New("drive belongs to another pool")
	// ErrUnsafe: a symbolic link or a mount point was found where a plain file or folder
	// was expected.
	ErrUnsafe = errors.New("unsafe path on drive")
	// ErrUnsupported: the drive's filesystem lacks a feature the pool needs.
	ErrUnsupported = errors.New("drive's filesystem is not supported")
	// ErrNotEmpty: a folder to remove still holds something.
	ErrNotEmpty = errors.New("folder is not empty")
	// ErrInUse: another process (another Hearth server) has the drive open.
	ErrInUse = errors.New("drive in use")
)

// Hash is a BLAKE3-256 content hash.
type Hash [32]byte

// Meta is what a drive stores beside each item: the generation at which the item came to
// be at its path, and for files the content hash.
type Meta struct {
	Gen  uint64
	Hash Hash
}

// Kind says what an entry is.
type Kind uint8

const (
	File  Kind = iota + 1
	Dir        // a folder
	Other      // a symbolic link, device or socket: never followed, never served
)

// Entry is one item found on a drive.
type Entry struct {
	Path    string // namespace path ("Share/dir/file"); for versions, the file's path
	Kind    Kind
	Size    int64
	ModTime time.Time
	Changed time.Time // inode change time: for a version, about when it was kept
	Meta    Meta
	HasMeta bool   // false for items the pool did not write (copied in by hand)
	Version uint64 // for entries of the versions area: the generation in the name
}

// Usage is the drive's capacity as the pool may use it.
type Usage struct {
	Total uint64
	Free  uint64 // available to an unprivileged writer
}

// Info names a drive.
type Info struct {
	Path  string
	ID    string
	Pool  string
	Label string
}

// Tombstone records a delete, or a rename when To is set: the item at Path, at
// generation FromGen, went to To.
type Tombstone struct {
	Gen     uint64
	At      time.Time
	Path    string
	To      string
	FromGen uint64
}

// Drive is one data drive. Its methods are safe for concurrent use. Every path argument is
// a namespace path already checked by package safepath; a drive checks again and refuses
// anything else. Methods that walk or copy stop when ctx is done and return ctx.Err();
// single system calls cannot be interrupted, so a hung disk is detected by the caller's
// timeout on Check, not here.
type Drive interface {
	Info() Info
	// Check verifies that the drive is present and is the drive it claims to be: the root
	// folder exists and its marker names this pool and drive. It reopens the root when the
	// disk was mounted again. It returns ErrMissing or ErrForeign, wrapped with what to do.
	Check(ctx context.Context) error
	Usage(ctx context.Context) (Usage, error)

	Writer
	Reader
	Namespace
	Versions
	Journal
	Close() error
}

// DirectCreator is a Writer that can also write a large copy past the page cache. The
// pool asks for it when a file is written in two or more copies (see direct_linux.go).
type DirectCreator interface {
	CreateDirect(ctx context.Context, path string, sizeHint int64) (Pending, error)
}

// Writer makes new file copies atomically.
type Writer interface {
	// Create starts a new copy of the file at path in the drive's temp area. Nothing is
	// visible at path until Pending.Commit. sizeHint, when positive, reserves space up front
	// so a full drive fails now rather than half way.
	Create(ctx context.Context, path string, sizeHint int64) (Pending, error)
	// Adopt starts a copy of the file at path whose content is a file already on the
	// drive, in its staging area (staged is relative to it: "uploads/<id>.part"), without
	// copying a byte: the staged file is linked into the temp area and stays where it is.
	// It returns the pending copy, on which Write must not be called, and the content
	// open for reading. The staged file must be a plain file with no other link (else
	// ErrShared), and must not change from now on: once committed, the two names are one
	// file until the caller removes the staged one.
	Adopt(ctx context.Context, path, staged string) (Pending, ReadFile, error)
}

// ErrShared: a staged file to adopt has another link already (an earlier commit of it
// that a crash cut off may be in place): adopting it again would tie two files together.
var ErrShared = errors.New("the staged file has another link")

// Pending is a copy being written. Write, Finish and Commit are called in that order from
// one goroutine; Abort may be called at any point and after Commit does nothing.
type Pending interface {
	io.Writer
	// Finish sets the modification time and metadata and makes the content durable (fsync).
	// After Finish the copy survives a crash in the temp area until Commit or cleanup.
	Finish(ctx context.Context, mtime time.Time, meta Meta) error
	// Commit moves the copy into place, replacing what was at path. When keepOld is set
	// and a file was at path, it is kept in the versions area first; the path always shows
	// either the old file or the new one. The folder is synced before Commit returns.
	// After a failed Commit the copy is still pending: the caller may fix the cause (make
	// the missing folder) and commit again, or Abort.
	Commit(ctx context.Context, keepOld bool) error
	// Abort removes the temp file.
	Abort() error
}

// Reader opens and inspects items.
type Reader interface {
	Open(ctx context.Context, path string) (ReadFile, error)
	Stat(ctx context.Context, path string) (Entry, error)
	// Walk calls fn for path and every item below it, a folder before its contents, from
	// the calling goroutine. It does not follow symbolic links (they come as Kind Other).
	// It stops at the first error fn returns and returns it; SkipDir from fn skips a folder.
	Walk(ctx context.Context, path string, fn func(Entry) error) error
}

// SkipDir returned by a Walk callback skips the folder it was called for.
var SkipDir = errors.New("skip this folder")

// ReadFile is an open copy.
type ReadFile interface {
	io.ReadSeekCloser
	io.ReaderAt
}

// Namespace changes folders and names.
type Namespace interface {
	// Mkdir makes the folder path (its parent must exist) with the given metadata and
	// mtime. An existing folder is left as it is and is not an error.
	Mkdir(ctx context.Context, path string, mtime time.Time, gen uint64) error
	// SetTimes sets the modification time of a file or folder.
	SetTimes(ctx context.Context, path string, mtime time.Time) error
	// Rename moves a file or folder to a path whose parent exists, and gives it the
	// generation gen. A file already at the destination is kept as a version; a folder at
	// the destination is an error.
	Rename(ctx context.Context, from, to string, gen uint64) error
	// Retire moves the file at path into the versions area (a delete that can be undone).
	Retire(ctx context.Context, path string) error
	// SetMeta records the generation and hash of an item that lacks them (a file copied
	// onto the drive by hand, now adopted by the pool). For a folder only Gen is kept.
	SetMeta(ctx context.Context, path string, meta Meta) error
	// Remove deletes a file outright (an extra copy being thinned, a stale copy) or an empty
	// folder.
	Remove(ctx context.Context, path string) error
}

// Versions reads and prunes the versions area.
type Versions interface {
	OpenVersion(ctx context.Context, path string, gen uint64) (ReadFile, error)
	RemoveVersion(ctx context.Context, path string, gen uint64) error
	// WalkVersions calls fn for every kept version, with Entry.Version set.
	WalkVersions(ctx context.Context, fn func(Entry) error) error
	// PutVersion stores a copy of a version made elsewhere (repair, evacuation).
	PutVersion(ctx context.Context, path string, gen uint64, mtime time.Time, meta Meta, r io.Reader) error
}

// Journal keeps the pool's own records on the drive, so a pool can be rebuilt from its
// drives alone.
type Journal interface {
	ReadConfig(ctx context.Context) ([]byte, error)
	WriteConfig(ctx context.Context, data []byte) error
	AppendTombstones(ctx context.Context, ts []Tombstone) error
	ReadTombstones(ctx context.Context) ([]Tombstone, error)
	// ClearTombstones forgets every tombstone; the caller knows no drive of the pool still
	// holds a copy they would delete.
	ClearTombstones(ctx context.Context) error
	// CleanTemp removes leftovers of writes a crash interrupted.
	CleanTemp(ctx context.Context) error
	// Release makes the drive an ordinary folder again once the pool has moved everything
	// off it: the pool's records and empty folders go, the marker last. Anything the
	// pool does not own stays.
	Release(ctx context.Context) error
}
