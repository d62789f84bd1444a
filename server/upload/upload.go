package upload

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// upload is one upload as its record stood when the request found it. tusd's locker
// keeps one request at a time on it.
type upload struct {
	s   *Store
	dir string
	st  state
}

var _ tusd.TerminatableUpload = (*upload)(nil)

func (u *upload) GetInfo(ctx context.Context) (tusd.FileInfo, error) {
	offset := u.st.Offset
	if u.st.Done {
		offset = u.st.Size
	}
	return tusd.FileInfo{ID: u.st.ID, Size: u.st.Size, Offset: offset, MetaData: u.st.MetaData}, nil
}

// WriteChunk appends what src brings at offset (tusd checked it is the upload's offset).
// The data is on the disk, and the new offset recorded, before it returns: the answer
// the client gets acknowledges only what survives a crash. With a checksum (see
// checksum.go) the chunk is kept only whole and matching; without one, what arrived is
// kept, made durable every Checkpoint bytes on the way.
func (u *upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	if u.st.Done {
		return 0, nil
	}
	defer u.s.hold(u.st.ID)()
	want := checksumOf(ctx)
	f, err := os.OpenFile(dataFile(u.dir, u.st.ID), os.O_WRONLY, 0)
	if err != nil {
		return 0, u.s.lost(u.st.ID, err)
	}
	defer func() { f.Close() }()
	if f, err = u.ownData(f, offset); err != nil {
		return 0, fmt.Errorf("upload %s: %w", u.st.ID, err)
	}
	// Bytes past the acknowledged offset came from a request cut short or refused.
	if fi, err := f.Stat(); err != nil || fi.Size() != offset {
		if err := f.Truncate(offset); err != nil {
			return 0, fmt.Errorf("upload %s: %w", u.st.ID, err)
		}
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, err
	}
	w := &chunkWriter{u: u, f: f, start: offset, checkpoint: u.s.opt.Checkpoint}
	defer w.stopWriteback() // before f is closed
	if want != nil {
		w.checkpoint = 0 // a chunk with a checksum is all or nothing
		w.sum = want.alg()
	}
	copyErr := w.readFrom(src)
	if want != nil && (copyErr != nil || !want.matches(w.sum)) {
		// Nothing of it is kept: the next write starts at offset again. A chunk cut
		// short cannot be checked, and is dropped too.
		if copyErr == nil {
			copyErr = ErrChecksum
		}
		return 0, errors.Join(copyErr, f.Truncate(offset))
	}
	if err := w.durable(); err != nil {
		return w.acked - offset, err
	}
	return w.acked - offset, copyErr
}

// chunkWriter writes a request's data and records progress.
type chunkWriter struct {
	u          *upload
	f          *os.File
	start      int64     // the offset the request began at
	n          int64     // bytes written by this request
	acked      int64     // the offset recorded
	checkpoint int64     // record progress every so many bytes; 0: only at the end
	since      int64     // bytes since the last record
	sum        hash.Hash // of the request's data, when it came with a checksum
	started    int64     // bytes of this request whose writing to the disk was started
	wb         chan [2]int64
	wbDone     chan struct{}
}

// Data goes to the disk in writes of up to writeSize bytes (the network hands it over in
// pieces of 16 KiB, a TLS record), and the disk is told to start writing it out every
// writebackEvery bytes: the sync before the answer then waits only for the last piece,
// instead of for the whole chunk after it arrived.
const (
	writeSize      = 1 << 20
	writebackEvery = 4 << 20
)

// writeback has the disk start writing a range out, from a goroutine of its own: the
// call may wait for the disk, and the request's data must not. A range the goroutine is
// too busy to take is left to the sync.
func (w *chunkWriter) writeback(off, n int64) {
	if w.wb == nil {
		w.wb = make(chan [2]int64, 4)
		w.wbDone = make(chan struct{})
		fd := w.f.Fd() // valid until the file is closed, after stopWriteback
		go func() {
			defer close(w.wbDone)
			for r := range w.wb {
				startWriteback(fd, r[0], r[1])
			}
		}()
	}
	select {
	case w.wb <- [2]int64{off, n}:
	default:
	}
}

// stopWriteback ends the writeback goroutine; it must run before the file is closed.
func (w *chunkWriter) stopWriteback() {
	if w.wb != nil {
		close(w.wb)
		<-w.wbDone
		w.wb = nil
	}
}

// readFrom writes what src brings until it ends; it returns src's error, or the first
// failure to write.
func (w *chunkWriter) readFrom(src io.Reader) error {
	bp := w.u.s.bufs.Get().(*[]byte)
	defer w.u.s.bufs.Put(bp)
	buf := *bp
	for {
		n, rerr := io.ReadFull(src, buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return nil
		case rerr != nil:
			return rerr
		}
	}
}

func (w *chunkWriter) Write(b []byte) (int, error) {
	if err := w.u.s.ctx.Err(); err != nil {
		return 0, err // the server is stopping: what is durable stays
	}
	n, err := w.f.Write(b)
	w.n += int64(n)
	w.since += int64(n)
	if w.sum != nil {
		w.sum.Write(b[:n])
	}
	if err != nil {
		return n, fmt.Errorf("upload %s: write: %w", w.u.st.ID, err)
	}
	if w.n-w.started >= writebackEvery {
		w.writeback(w.start+w.started, w.n-w.started)
		w.started = w.n
	}
	if w.checkpoint > 0 && w.since >= w.checkpoint {
		if err := w.durable(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// durable makes what was written so far safe on the disk and records the new offset
// (data first, then the record that counts it). The last byte of the file is recorded
// only once the commit succeeds (FinishUpload): a commit that fails makes the client
// send its last chunk again, where it will fail again, rather than be told it is done.
func (w *chunkWriter) durable() error {
	if w.n == 0 || (w.since == 0 && w.acked == w.start+w.n) {
		w.acked = w.start + w.n
		return nil // nothing written since the last checkpoint
	}
	w.acked = w.start + w.n
	w.since = 0
	if err := w.u.s.sync(w.f, "data"); err != nil {
		w.acked = w.u.st.Offset
		return fmt.Errorf("upload %s: sync: %w", w.u.st.ID, err)
	}
	if w.acked == w.u.st.Size {
		return nil // FinishUpload records it
	}
	st := w.u.st
	st.Offset, st.Updated = w.acked, w.u.s.opt.Now()
	if err := w.u.s.writeState(w.u.dir, st); err != nil {
		w.acked = w.u.st.Offset
		return err
	}
	w.u.st = st
	return nil
}

// GetReader reads the data received so far.
func (u *upload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	f, err := os.Open(dataFile(u.dir, u.st.ID))
	if err != nil {
		return nil, u.s.lost(u.st.ID, err)
	}
	return f, nil
}

// FinishUpload commits the whole file to the pool (commit.go).
func (u *upload) FinishUpload(ctx context.Context) error {
	if u.st.Done {
		return nil
	}
	defer u.s.hold(u.st.ID)()
	return u.s.commit(ctx, u)
}

// Terminate ends the upload and removes its data (tus termination).
func (u *upload) Terminate(ctx context.Context) error {
	if err := removeUpload(u.dir, u.st.ID); err != nil {
		return fmt.Errorf("remove upload %s: %w", u.st.ID, err)
	}
	u.s.log.Info("upload ended by its owner", "user", u.st.User, "file", u.st.Path, "upload", u.st.ID)
	return nil
}

// lost explains an upload whose data vanished (its drive was removed, or it expired
// under the request) as not found.
func (s *Store) lost(id string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return tusd.ErrNotFound
	}
	return fmt.Errorf("upload %s: %w", id, err)
}
