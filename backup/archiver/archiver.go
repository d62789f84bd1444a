// Package archiver makes a backup: it walks the chosen folders, recognises unchanged
// files from the previous backup, cuts the rest into content-defined chunks, asks the
// server which it lacks and sends only those, packed, while keeping memory bounded.
package archiver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"
)

// Remote is the server as the archiver sees it.
type Remote interface {
	// Missing returns those of ids the server lacks.
	Missing(ctx context.Context, ids []backup.ID) ([]backup.ID, error)
	// PutPack stores a pack.
	PutPack(ctx context.Context, name backup.ID, data []byte) error
	// Blob returns a blob's plain content, checked against its name.
	Blob(ctx context.Context, id backup.ID) ([]byte, error)
}

// Options say what to back up.
type Options struct {
	PC string
	// Paths are absolute folders or files to back up.
	Paths []string
	// Exclude holds patterns (filepath.Match): one without a separator matches a name
	// anywhere, one with a separator matches a whole path.
	Exclude []string
	// Parent is the previous backup, and ParentID its ID; files unchanged since it are
	// not read again.
	Parent   *backup.Snapshot
	ParentID *backup.ID
	Source   Source
	// Progress is called a few times a second and once at the end.
	Progress func(Progress)
	Log      *slog.Logger
	Now      func() time.Time
}

// Progress is how far a backup has come. Totals are known once the count finishes.
type Progress struct {
	Files, Bytes           int64 // done (read or found unchanged)
	TotalFiles, TotalBytes int64
	Counted                bool  // the totals are final
	Sent                   int64 // new data sent, before compression
	Uploaded               int64 // bytes on the wire
	Started                time.Time
	Done                   bool
}

// inflight bounds the chunk bytes between reading and packing (buffers at their whole
// size, until the blob is in its pack); with the pack being filled, the uploads and the
// readers' buffers, it sets the archiver's memory use.
const inflight = 16 << 20

// uploads is how many packs are sent at once. PackTarget of memory each.
const uploads = 1

// spareBufs bounds the chunk buffers kept for reuse together with those in flight: twice
// the budget. A compressed blob's buffer goes on with its chunk's share of the budget
// while the chunk's own comes back, and buffers come in many sizes. With half the budget
// more, buffers the limit turned away were allocated afresh moments later: the garbage
// raised the client's peak memory (126-136 MiB on the bench's 300 MiB mix, against
// 101-123 MiB with twice the budget) and each new buffer cost page faults.
const spareBufs = 2 * inflight

// Run makes a backup and returns the snapshot to commit.
func Run(ctx context.Context, remote Remote, opt Options) (backup.Snapshot, error) {
	if opt.Source == nil {
		opt.Source = OS{}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := backup.CheckPCName(opt.PC); err != nil {
		return backup.Snapshot{}, err
	}
	paths, err := cleanPaths(opt.Paths)
	if err != nil {
		return backup.Snapshot{}, err
	}
	a := newArchiver(ctx, remote, opt)
	snap, err := a.run(paths)
	return snap, err
}

func cleanPaths(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, errors.New("nothing to back up: choose at least one folder")
	}
	out := make([]string, len(in))
	for i, p := range in {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("%q: give the full path of what to back up", p)
		}
		out[i] = filepath.Clean(p)
	}
	return out, nil
}

type archiver struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	remote Remote
	opt    Options
	codec  *backup.Codec
	mem    *semaphore.Weighted
	bufs   *bufs
	prog   progress

	chunks  chan *chunk   // read, to be hashed
	asks    chan *chunk   // hashed, to be looked up
	packs   chan *chunk   // missing, to be compressed and packed
	files   chan *fileJob // to be read
	known   knownSet
	skipped skipped
}

func newArchiver(ctx context.Context, remote Remote, opt Options) *archiver {
	ctx, cancel := context.WithCancelCause(ctx)
	return &archiver{ctx: ctx, cancel: cancel, remote: remote, opt: opt, codec: backup.NewCodec(),
		mem: semaphore.NewWeighted(inflight), bufs: &bufs{limit: spareBufs}, chunks: make(chan *chunk, 16), asks: make(chan *chunk, 64),
		packs: make(chan *chunk, 16), files: make(chan *fileJob, 256), known: knownSet{m: map[backup.ID]bool{}}}
}

// run wires the stages: a walker feeding file readers, hashers, one asker, compressors
// and one packer with its uploads; the walker's post-order queue finishes folders.
func (a *archiver) run(paths []string) (backup.Snapshot, error) {
	defer a.cancel(nil)
	a.prog.started = a.opt.Now()
	stopReport := a.report()
	go a.count(paths)

	workers := max(2, runtime.NumCPU())
	var readers, hashers, compressors sync.WaitGroup
	var ch sharedChunker
	for range 2 {
		readers.Go(func() { a.readFiles(&ch) })
	}
	for range workers {
		hashers.Go(a.hashChunks)
	}
	askerDone := make(chan struct{})
	go func() { a.ask(); close(askerDone) }()
	packed := make(chan packedBlob, 2)
	for range workers {
		compressors.Go(func() { a.compress(packed) })
	}
	var up errgroup.Group
	up.SetLimit(uploads)
	packerDone := make(chan error, 1)
	go func() { packerDone <- a.pack(packed, &up) }()

	root, err := a.walk(paths)
	close(a.files)
	readers.Wait()
	close(a.chunks)
	hashers.Wait()
	close(a.asks)
	<-askerDone
	close(a.packs)
	compressors.Wait()
	close(packed)
	perr := <-packerDone
	uerr := up.Wait()
	stopReport()
	// The stage that failed says why; the walk then only saw the backup cancelled.
	if cause := context.Cause(a.ctx); cause != nil && (err == nil || errors.Is(err, context.Canceled)) {
		err = cause
	}
	if err == nil {
		err = errors.Join(perr, uerr)
	}
	if err != nil {
		return backup.Snapshot{}, err
	}
	p := a.prog.snapshot()
	snap := backup.Snapshot{Version: backup.SnapshotVersion, PC: a.opt.PC, Time: a.prog.started, Tree: root,
		Paths: paths, Files: p.Files, Bytes: p.Bytes, Added: p.Sent, Skipped: a.skipped.list()}
	if a.opt.Parent != nil {
		snap.Parent = a.opt.ParentID
	}
	return snap, nil
}

// fail stops the backup with err.
func (a *archiver) fail(err error) { a.cancel(err) }

// knownSet holds blobs the server is known to have or to be getting in this backup.
type knownSet struct {
	mu sync.Mutex
	m  map[backup.ID]bool
}

// claim reports whether id was already known, and marks it known.
func (k *knownSet) claim(id backup.ID) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m[id] {
		return true
	}
	k.m[id] = true
	return false
}

type skipped struct {
	mu    sync.Mutex
	items []string
}

func (s *skipped) add(path string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.items) < backup.MaxSkipped {
		s.items = append(s.items, fmt.Sprintf("%s: %v", path, err))
	}
}

func (s *skipped) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items
}
