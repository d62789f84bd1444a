package archiver

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/hearth-home/hearth/backup"
	"golang.org/x/sync/errgroup"
)

// chunk is a piece of a file, or a folder's tree, on its way to the server.
type chunk struct {
	data []byte
	size int
	held int64 // of the in-flight budget
	id   backup.ID
	kind backup.Kind
	file *fileJob // nil for trees
}

// fileJob is a file being read; its pieces are known once read has closed and wg is done.
type fileJob struct {
	path  string
	size  int64 // when it was looked at
	parts []*chunk
	wg    sync.WaitGroup
	read  chan struct{}
	err   error
}

// release gives a chunk's share of the in-flight budget back and its buffer for reuse.
func (a *archiver) release(c *chunk) {
	a.unhold(c.held)
	a.bufs.put(c.data)
	c.held, c.data = 0, nil
}

// hold takes n bytes of the in-flight budget, waiting until they are free.
func (a *archiver) hold(n int64) error {
	if err := a.mem.Acquire(a.ctx, n); err != nil {
		return err
	}
	a.bufs.held.Add(n)
	return nil
}

// unhold gives n bytes of the budget back.
func (a *archiver) unhold(n int64) {
	a.bufs.held.Add(-n)
	a.mem.Release(n)
}

// readFiles cuts files into chunks. Reading stops at the first error of the backup.
func (a *archiver) readFiles(ch *sharedChunker) {
	for job := range a.files {
		if a.ctx.Err() == nil {
			job.err = a.readFile(ch, job)
		} else {
			job.err = a.ctx.Err()
		}
		close(job.read)
	}
}

// sharedChunker is one chunker for the readers, taken in turn for files large enough to
// need it: its buffer is two largest chunks (16 MiB), a tenth of the backup's memory.
type sharedChunker struct {
	mu sync.Mutex
	ch *backup.Chunker
}

func (a *archiver) readFile(ch *sharedChunker, job *fileJob) error {
	f, err := a.opt.Source.Open(job.path)
	if err != nil {
		return err
	}
	defer f.Close()
	if job.size < backup.ChunkMin {
		// No cut falls before ChunkMin: the file is one chunk, read straight into its
		// buffer, unless it has grown since it was looked at.
		c, err := a.newChunk(job, int(job.size)+1)
		if err != nil {
			return err
		}
		n, err := io.ReadFull(f, c.data[:job.size+1])
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if n == 0 {
				a.release(c)
				return nil
			}
			c.data, c.size = c.data[:n], n
			a.send(job, c)
			return nil
		case err != nil:
			a.release(c)
			return err
		}
		// Larger than it was: chunk it whole, the part read first included.
		read := c.data[:n]
		defer a.release(c)
		return a.chunkFile(ch, job, io.MultiReader(bytes.NewReader(read), f))
	}
	return a.chunkFile(ch, job, f)
}

func (a *archiver) chunkFile(ch *sharedChunker, job *fileJob, r io.Reader) error {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if ch.ch == nil {
		ch.ch = backup.NewChunker(nil)
	}
	ch.ch.Reset(r)
	for {
		b, err := ch.ch.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		c, err := a.newChunk(job, len(b))
		if err != nil {
			return err
		}
		c.data = append(c.data[:0], b...)
		a.send(job, c)
	}
}

// newChunk makes a chunk of job with a buffer of room for n bytes, once the in-flight
// budget allows. What is held is the buffer's whole size, which is what memory it takes.
func (a *archiver) newChunk(job *fileJob, n int) (*chunk, error) {
	cl, _ := class(n)
	c := &chunk{size: n, held: int64(max(n, 1<<(cl+minClassShift))), kind: backup.Data, file: job}
	if err := a.hold(c.held); err != nil {
		return nil, err
	}
	c.data = a.bufs.get(n)[:n]
	return c, nil
}

// send passes a read chunk on to be hashed.
func (a *archiver) send(job *fileJob, c *chunk) {
	job.parts = append(job.parts, c)
	job.wg.Add(1)
	a.prog.read(int64(len(c.data)))
	a.chunks <- c
}

// hashChunks names chunks and passes on those not known to be stored already.
func (a *archiver) hashChunks() {
	for c := range a.chunks {
		c.id = backup.Hash(c.data)
		c.file.wg.Done()
		if a.known.claim(c.id) || a.ctx.Err() != nil {
			a.release(c)
			continue
		}
		a.asks <- c
	}
}

// askBatch is how many names go in one question to the server.
const askBatch = 256

// ask asks the server, in batches, which chunks it lacks; those go on to be packed.
func (a *archiver) ask() {
	batch := make([]*chunk, 0, askBatch)
	for c := range a.asks {
		batch = append(batch[:0], c)
	fill:
		for len(batch) < askBatch {
			select {
			case c, ok := <-a.asks:
				if !ok {
					break fill
				}
				batch = append(batch, c)
			default:
				break fill
			}
		}
		a.askOnce(batch)
	}
}

func (a *archiver) askOnce(batch []*chunk) {
	if a.ctx.Err() != nil {
		for _, c := range batch {
			a.release(c)
		}
		return
	}
	ids := make([]backup.ID, len(batch))
	for i, c := range batch {
		ids[i] = c.id
	}
	missing, err := a.remote.Missing(a.ctx, ids)
	if err != nil {
		a.fail(fmt.Errorf("ask the server what it has: %w", err))
	}
	need := make(map[backup.ID]bool, len(missing))
	for _, id := range missing {
		need[id] = true
	}
	for _, c := range batch {
		if err == nil && need[c.id] {
			a.packs <- c
		} else {
			a.release(c)
		}
	}
}

type packedBlob struct {
	id     backup.ID
	kind   backup.Kind
	enc    backup.Encoding
	stored []byte // in buf, which goes back for reuse once it is in the pack
	buf    []byte
	raw    int
	held   int64 // of the in-flight budget, given back once in the pack
}

// done gives a blob's buffer and share of the budget back.
func (a *archiver) done(p packedBlob) {
	a.unhold(p.held)
	a.bufs.put(p.buf)
}

// compress turns missing chunks into their stored form.
func (a *archiver) compress(out chan<- packedBlob) {
	for c := range a.packs {
		if a.ctx.Err() != nil {
			a.release(c)
			continue
		}
		dst := a.bufs.get(len(c.data))
		stored, enc := a.codec.Compress(dst, c.data)
		// The stored form is no larger than the chunk, so the chunk's share of the
		// budget covers it until it is in the pack.
		p := packedBlob{id: c.id, kind: c.kind, enc: enc, stored: stored, buf: stored, raw: len(c.data), held: c.held}
		if enc == backup.Raw {
			// Stored as it is: the chunk's own buffer goes on into the pack.
			a.bufs.put(dst)
			p.buf = c.data
		} else {
			a.bufs.put(c.data)
		}
		c.data, c.held = nil, 0
		out <- p
	}
}

// pack gathers blobs into packs and uploads them, two at a time.
func (a *archiver) pack(in <-chan packedBlob, up *errgroup.Group) error {
	// Sent packs' memory is used again: one filling and those sending at most.
	spare := make(chan []byte, 1+uploads)
	next := func() *backup.PackBuilder {
		select {
		case buf := <-spare:
			return backup.NewPackBuilderBuf(buf)
		default:
			return backup.NewPackBuilder()
		}
	}
	b := next()
	var plain int64
	flush := func() {
		if b.Len() == 0 {
			return
		}
		full, sent := b, plain
		b, plain = nil, 0
		up.Go(func() error {
			if a.ctx.Err() != nil {
				return nil
			}
			// Named (hashed in full) here, beside the packing of the next.
			data, name := full.Finish()
			if err := a.remote.PutPack(a.ctx, name, data); err != nil {
				err = fmt.Errorf("send pack: %w", err)
				a.fail(err)
				return err
			}
			a.prog.sent(sent, int64(len(data)))
			// Sent in full, so nothing reads it any more.
			select {
			case spare <- data[:0]:
			default:
			}
			return nil
		})
		b = next()
	}
	for p := range in {
		if a.ctx.Err() != nil {
			a.done(p)
			continue
		}
		if b.Len() > 0 && b.Size()+len(p.stored) > backup.PackTarget {
			flush()
		}
		b.Add(p.id, p.kind, p.enc, p.stored, p.raw)
		a.done(p)
		plain += int64(p.raw)
	}
	if a.ctx.Err() != nil {
		return nil
	}
	flush()
	return nil
}
