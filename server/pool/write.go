package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/zeebo/blake3"
)

// WriteOptions describe a file being written.
type WriteOptions struct {
	// Size is the expected size when known (it reserves space up front and is checked
	// by WriteFile); 0 or less means unknown.
	Size int64
	// ModTime is the file's modification time; zero means now.
	ModTime time.Time
	// IfGen, when set, makes the commit fail with ErrChanged unless the file at the path
	// is at that generation (0: unless there is no file).
	IfGen *uint64
}

const chunkSize = 1 << 20

// Writer streams a new file to all its target drives at once. Write and Commit are
// called from one goroutine. Nothing is visible until Commit returns; Abort (or a failed
// Commit) leaves the old file untouched.
type Writer struct {
	p       *Pool
	path    string
	opt     WriteOptions
	want    int
	targets []*target
	hash    *blake3.Hasher
	sums    blockSummer // the block checksums reads will check
	n       int64
	buf     []byte
	spare   []byte
	sent    bool // a chunk is with the targets
	err     error
	done    func()
}

type target struct {
	v    view
	pf   drive.Pending
	in   chan []byte
	acks chan error
	exit chan struct{}
	err  error
	// adopted: the copy is a staged file linked in (Adopt); it holds the content
	// already and takes no chunks.
	adopted bool
}

// Create opens a new file at path for writing.
func (p *Pool) Create(ctx context.Context, path string, opt WriteOptions) (*Writer, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return nil, err
	}
	cur, want, err := p.prepareWrite(ctx, path)
	if err != nil {
		return nil, err
	}
	var prefer []string
	if cur != nil {
		prefer = cur.Copies
	}
	w := &Writer{p: p, path: path, opt: opt, want: want, hash: blake3.New(), buf: p.chunk(), spare: p.chunk()}
	if err := w.open(ctx, prefer); err != nil {
		w.release()
		return nil, err
	}
	w.done = p.paths.startWrite(path)
	return w, nil
}

// prepareWrite checks that path can hold a file and returns what is there now and how
// many copies the file should have.
func (p *Pool) prepareWrite(ctx context.Context, path string) (*catalog.Entry, int, error) {
	share, rel := safepath.Split(path)
	if rel == "" {
		return nil, 0, wrapPath(path, ErrShareRoot)
	}
	var cur *catalog.Entry
	var want int
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		s, err := tx.Share(ctx, share)
		if errors.Is(err, catalog.ErrNotFound) || (err == nil && !s.Removed.IsZero()) {
			return fmt.Errorf("%s: %w", share, ErrNoShare)
		}
		if err != nil {
			return err
		}
		want = p.wantCopies(s)
		if err := checkParent(ctx, tx, path); err != nil {
			return err
		}
		e, err := tx.Entry(ctx, path)
		switch {
		case errors.Is(err, catalog.ErrNotFound):
			return nil
		case err != nil:
			return err
		case e.Dir:
			return wrapPath(path, ErrIsDir)
		}
		cur = &e
		return nil
	})
	return cur, want, err
}

// checkParent makes sure the folder that will hold path exists.
func checkParent(ctx context.Context, tx *catalog.Tx, path string) error {
	parent := safepath.Parent(path)
	e, err := tx.Entry(ctx, parent)
	if errors.Is(err, catalog.ErrNotFound) {
		return fmt.Errorf("%s: folder %s: %w", path, parent, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if !e.Dir {
		return fmt.Errorf("%s: %s: %w", path, parent, ErrNotDir)
	}
	return nil
}

// open starts a temp copy on each target drive; a drive that fails is replaced by the
// next best one.
func (w *Writer) open(ctx context.Context, prefer []string) error {
	var tried []string
	for _, t := range w.targets { // an adopted copy is there already
		tried = append(tried, t.v.id())
	}
	var lastErr error
	for len(w.targets) < w.want {
		vs, err := w.p.place(ctx, w.want-len(w.targets), w.opt.Size, prefer, tried)
		if err != nil {
			if len(w.targets) > 0 {
				break // fewer copies for now; the repairer adds the rest
			}
			return wrapPath(w.path, err)
		}
		if len(vs) == 0 {
			break
		}
		// Past the page cache only when more than one copy is really being written: a
		// share that wants two copies on a pool of one drive writes one.
		direct := len(w.targets)+len(vs) >= 2
		for _, v := range vs {
			tried = append(tried, v.id())
			pf, err := w.create(ctx, v, direct)
			if err != nil {
				lastErr = w.p.noteErr(ctx, v, err)
				w.p.log.Warn("could not start a copy; trying another drive", "drive", v.rec.Label, "file", w.path, "err", err)
				continue
			}
			w.targets = append(w.targets, w.startTarget(v, pf))
		}
	}
	if len(w.targets) == 0 {
		if lastErr == nil {
			lastErr = ErrNoDrives
		}
		return wrapPath(w.path, lastErr)
	}
	return nil
}

// create starts the copy on v: past the page cache when direct (the file is written in
// two or more copies) and the drive can (drive.DirectCreator explains why only then).
func (w *Writer) create(ctx context.Context, v view, direct bool) (drive.Pending, error) {
	if dc, ok := v.d.(drive.DirectCreator); ok && direct {
		return dc.CreateDirect(ctx, w.path, w.opt.Size)
	}
	return v.d.Create(ctx, w.path, w.opt.Size)
}

func (w *Writer) startTarget(v view, pf drive.Pending) *target {
	in := make(chan []byte)
	t := &target{v: v, pf: pf, in: in, acks: make(chan error, 1), exit: make(chan struct{})}
	go func() {
		defer close(t.exit)
		for b := range in {
			_, err := pf.Write(b)
			t.acks <- err
		}
	}()
	return t
}

// Write adds bytes to the file. It fails only when no target drive is left.
func (w *Writer) Write(b []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.p.throttle.foreground()
	w.hash.Write(b)
	w.sums.Write(b)
	n := len(b)
	for len(b) > 0 {
		k := copy(w.buf[len(w.buf):cap(w.buf)], b)
		w.buf = w.buf[:len(w.buf)+k]
		b = b[k:]
		if len(w.buf) == cap(w.buf) {
			if err := w.send(); err != nil {
				return n - len(b), err
			}
		}
	}
	w.n += int64(n)
	return n, nil
}

// send hands the full buffer to every live target, after the previous chunk was written.
func (w *Writer) send() error {
	if err := w.wait(); err != nil {
		return err
	}
	if len(w.buf) == 0 {
		return nil
	}
	for _, t := range w.targets {
		if t.err == nil && !t.adopted {
			t.in <- w.buf
		}
	}
	w.sent = true
	w.buf, w.spare = w.spare[:0], w.buf
	return nil
}

// wait collects the targets' answers for the chunk in flight.
func (w *Writer) wait() error {
	if !w.sent {
		return nil
	}
	w.sent = false
	timer := time.NewTimer(w.p.opt.DriveTimeout)
	defer timer.Stop()
	expired := false
	for _, t := range w.targets {
		if t.err != nil || t.adopted {
			continue
		}
		var err error
		if expired { // past the deadline, only an answer already there counts
			select {
			case err = <-t.acks:
			default:
				err = errHung
			}
		} else {
			select {
			case err = <-t.acks:
			case <-timer.C:
				expired, err = true, errHung
			}
		}
		if err != nil {
			w.dropTarget(t, err)
		}
		if errors.Is(err, errHung) {
			w.spare = w.p.chunk() // the stuck writer may still read the old one: let it keep it
		}
	}
	return w.liveErr()
}

func (w *Writer) dropTarget(t *target, err error) {
	t.err = err
	ctx := context.Background()
	if errors.Is(err, errHung) {
		w.p.lose(ctx, t.v.id(), "the drive stopped answering")
	} else {
		w.p.noteErr(ctx, t.v, err)
	}
	w.p.log.Warn("a drive failed during a write; going on with the others", "drive", t.v.rec.Label, "file", w.path, "err", err)
	t.stop()
	go func() { <-t.exit; t.pf.Abort() }()
}

// stop ends the target's goroutine once its last chunk is written.
func (t *target) stop() {
	if t.in != nil {
		close(t.in)
		t.in = nil
	}
}

// liveErr is nil while a target is left, else the error that explains the loss.
func (w *Writer) liveErr() error {
	var last error
	for _, t := range w.targets {
		if t.err == nil {
			return nil
		}
		last = t.err
	}
	if isFull(last) {
		last = fmt.Errorf("%w: the drives ran out of space (%v)", ErrPoolFull, last)
	}
	w.err = wrapPath(w.path, last)
	return w.err
}

// live returns the targets still writing.
func (w *Writer) live() []*target {
	var out []*target
	for _, t := range w.targets {
		if t.err == nil {
			out = append(out, t)
		}
	}
	return out
}

// Abort throws the new file away.
func (w *Writer) Abort() {
	if w.done == nil {
		return
	}
	w.wait()
	for _, t := range w.live() {
		t.stop()
		<-t.exit
		t.pf.Abort()
		t.err = errAborted
	}
	w.done()
	w.done = nil
	w.release()
	if w.err == nil {
		w.err = errAborted
	}
}

// chunk takes a write buffer from the pool's stock.
func (p *Pool) chunk() []byte { return (*p.chunks.Get().(*[]byte))[:0] }

// release gives the write buffers back; every target has stopped using them.
func (w *Writer) release() {
	for _, b := range [][]byte{w.buf, w.spare} {
		if cap(b) == chunkSize {
			w.p.chunks.Put(&b)
		}
	}
	w.buf, w.spare = nil, nil
}

// ReadFrom fills the write buffer straight from r (io.Copy uses it), saving a copy.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		if w.err != nil {
			return n, w.err
		}
		k, err := r.Read(w.buf[len(w.buf):cap(w.buf)])
		if k > 0 {
			w.p.throttle.foreground()
			w.hash.Write(w.buf[len(w.buf) : len(w.buf)+k])
			w.sums.Write(w.buf[len(w.buf) : len(w.buf)+k])
			w.buf = w.buf[:len(w.buf)+k]
			w.n += int64(k)
			n += int64(k)
			if len(w.buf) == cap(w.buf) {
				if err := w.send(); err != nil {
					return n, err
				}
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

var errAborted = errors.New("write aborted")

// WriteFile writes all of r to path and commits it.
func (p *Pool) WriteFile(ctx context.Context, path string, r io.Reader, opt WriteOptions) (FileInfo, error) {
	w, err := p.Create(ctx, path, opt)
	if err != nil {
		return FileInfo{}, err
	}
	if _, err := w.ReadFrom(&ctxReader{ctx: ctx, r: r}); err != nil {
		w.Abort()
		return FileInfo{}, err
	}
	if opt.Size > 0 && w.n != opt.Size {
		w.Abort()
		return FileInfo{}, fmt.Errorf("%s: %w: got %d bytes of %d", path, io.ErrUnexpectedEOF, w.n, opt.Size)
	}
	return w.Commit(ctx)
}
