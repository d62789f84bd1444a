// Package upload receives files of any size from browsers over the tus protocol
// (resumable uploads), into the pool. Each upload is staged on a pool drive, in a folder
// the pool never lists or serves; every chunk is on the disk before it is acknowledged,
// so a client that loses its connection, or a server that restarts, goes on from the
// last acknowledged byte. When the last byte arrives the file is committed into the pool
// with its normal atomic, duplicated commit (pool.Adopt: the staged data becomes the copy
// on its drive, and only the other copies are written): until then nothing is seen
// under its name.
// An upload belongs to the user who began it, and expires after a day without progress.
package upload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
)

// stagingName is the pool's staging folder uploads keep their data in.
const stagingName = "uploads"

// Options configure a Store. Zero values take the defaults shown.
type Options struct {
	Pool *pool.Pool
	Log  *slog.Logger
	// MaxAge is how long an upload may go without progress before it expires and its
	// data is removed (default 24 hours). SweepEvery is how often expired uploads are
	// looked for (default an hour).
	MaxAge, SweepEvery time.Duration
	// Now is the clock (tests move it on).
	Now func() time.Time
	// Checkpoint is how often a long request's data is made durable and its offset
	// recorded, when the client sends no checksum (default 64 MiB): a single request for
	// a whole large file resumes from near where it was cut.
	Checkpoint int64
}

// Store is Hearth's tusd data store. Its methods are safe for concurrent use; tusd's
// locker keeps one request at a time on each upload.
type Store struct {
	opt Options
	log *slog.Logger
	// ctx is the server's: commits run under it, not under a request that may end
	// (a client that goes away must not abort a commit under way).
	ctx context.Context

	bufs sync.Pool // of *[]byte, writeSize long: a request's data on its way to the disk

	mu   sync.Mutex
	busy map[string]int // uploads being written or committed: never swept
	// onSync is told of every fsync, in order (tests).
	onSync func(what string)
}

// New returns a store whose commits and sweeps run under ctx (the server's).
func New(ctx context.Context, opt Options) *Store {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = 24 * time.Hour
	}
	if opt.SweepEvery <= 0 {
		opt.SweepEvery = time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Checkpoint <= 0 {
		opt.Checkpoint = 64 << 20
	}
	s := &Store{opt: opt, log: opt.Log, ctx: ctx, busy: map[string]int{}}
	s.bufs.New = func() any { b := make([]byte, writeSize); return &b }
	return s
}

var (
	_ tusd.DataStore           = (*Store)(nil)
	_ tusd.TerminaterDataStore = (*Store)(nil)
)

// newID is an upload's name: 128 random bits, so an upload cannot be guessed.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID: an id as newID makes them (lower-case hex), so it is safe in a file name.
func validID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NewUpload begins an upload for the signed-in user into the place its metadata names,
// which must be a file the user may write. The data goes to the pool drive with the
// most room for it.
func (s *Store) NewUpload(ctx context.Context, info tusd.FileInfo) (tusd.Upload, error) {
	pr, ok := auth.PrincipalOf(ctx)
	if !ok {
		return nil, refusal(401, "sign_in", "Please sign in with your Hearth user name and password.")
	}
	if info.SizeIsDeferred || info.IsPartial || info.IsFinal {
		return nil, refusal(400, "bad_upload", "Say the upload's length when it begins (Upload-Length); uploads in parts are not taken.")
	}
	t, err := targetOf(info.MetaData)
	if err != nil {
		return nil, err
	}
	if err := s.mayWrite(ctx, pr, t.path); err != nil {
		return nil, err
	}
	dir, err := s.opt.Pool.StagingDir(ctx, stagingName, info.Size)
	if err != nil {
		return nil, asRefusal(err)
	}
	now := s.opt.Now()
	st := state{ID: newID(), User: pr.Name, Path: t.path, Size: info.Size, ModTime: t.mtime, MetaData: info.MetaData,
		Created: now, Updated: now}
	f, err := os.OpenFile(dataFile(dir, st.ID), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("begin upload: %w", err)
	}
	err = s.sync(f, "data")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.writeState(dir, st)
	}
	if err != nil {
		removeUpload(dir, st.ID)
		return nil, fmt.Errorf("begin upload: %w", err)
	}
	s.log.Info("upload begun", "user", pr.Name, "file", st.Path, "size", st.Size, "upload", st.ID)
	return &upload{s: s, dir: dir, st: st}, nil
}

// GetUpload finds the caller's upload id. Another user's upload, or one that expired,
// is not found: the caller cannot tell it from one that never was.
func (s *Store) GetUpload(ctx context.Context, id string) (tusd.Upload, error) {
	pr, ok := auth.PrincipalOf(ctx)
	if !ok || !validID(id) {
		return nil, tusd.ErrNotFound
	}
	for _, dir := range s.opt.Pool.StagingDirs(stagingName) {
		st, err := readState(dir, id)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !sameUser(st.User, pr.Name) || s.expired(st) {
			return nil, tusd.ErrNotFound
		}
		return &upload{s: s, dir: dir, st: st}, nil
	}
	return nil, tusd.ErrNotFound
}

// AsTerminatableUpload lets the owner end an upload (tus termination).
func (s *Store) AsTerminatableUpload(u tusd.Upload) tusd.TerminatableUpload { return u.(*upload) }

func (s *Store) expired(st state) bool {
	return s.opt.Now().Sub(st.Updated) > s.opt.MaxAge
}

// hold marks an upload busy (the sweep leaves it alone) until the returned func runs.
func (s *Store) hold(id string) func() {
	s.mu.Lock()
	s.busy[id]++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		if s.busy[id]--; s.busy[id] == 0 {
			delete(s.busy, id)
		}
		s.mu.Unlock()
	}
}

func (s *Store) isBusy(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy[id] > 0
}
