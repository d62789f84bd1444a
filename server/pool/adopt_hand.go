package pool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// adoptBatch bounds the hand-placed files decided and recorded in one catalog commit.
const adoptBatch = 1000

// adoptStampers is how many stamps of hand-placed files are made at once.
const adoptStampers = 16

// hashed is a hand-placed file with its content's hash, or the error reading it.
type hashed struct {
	it  item
	sum drive.Hash
	err error
}

// adoptHandmade deals with files that were copied onto a drive by hand: they are hashed
// and become copies (same content as the index), new files (unknown path), or versions
// (other content than the pool's at that path). Reading is the cost (the files carry no
// hash), so every drive is read by several hashers at once, keeping all cores and all
// disks busy; the decisions and their records are made in batches, one commit each.
func (r *reconciler) adoptHandmade(ctx context.Context) error {
	if len(r.hand) == 0 {
		return nil
	}
	perDrive := map[string][]item{}
	for _, it := range r.hand {
		perDrive[it.v.id()] = append(perDrive[it.v.id()], it)
	}
	r.hand = nil
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan hashed, adoptBatch)
	done := make(chan struct{})
	hashers := max(2, runtime.GOMAXPROCS(0))
	running := 0
	for _, items := range perDrive {
		work := make(chan item)
		go func() {
			defer close(work)
			for _, it := range items {
				select {
				case work <- it:
				case <-ctx.Done():
					return
				}
			}
		}()
		for range min(hashers, len(items)) {
			running++
			go func() {
				defer func() { done <- struct{}{} }()
				for it := range work {
					sum, err := hashCopy(ctx, it.v.d, it.e.Path)
					select {
					case results <- hashed{it, sum, err}:
					case <-ctx.Done():
						return
					}
				}
			}()
		}
	}
	go func() {
		for range running {
			<-done
		}
		close(results)
	}()
	batch := make([]hashed, 0, adoptBatch)
	for h := range results {
		batch = append(batch, h)
		if len(batch) == adoptBatch || (len(results) == 0 && len(batch) >= adoptBatch/10) {
			if err := r.adoptHashed(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return r.adoptHashed(ctx, batch)
}

// adoptHashed decides about a batch of hashed files and records them in one commit,
// under the exclusive tree lock: no write or delete comes between a decision and its
// record, and a file the pool replaced since it was hashed is left to the pool.
func (r *reconciler) adoptHashed(ctx context.Context, batch []hashed) error {
	if len(batch) == 0 {
		return nil
	}
	defer r.p.adoptedSome(len(batch))
	r.p.ns.Lock()
	defer r.p.ns.Unlock()
	cur := map[string]*catalog.Entry{}
	err := r.p.cat.View(ctx, func(tx *catalog.Tx) error {
		for _, h := range batch {
			e, err := tx.Entry(ctx, h.it.e.Path)
			switch {
			case err == nil:
				cur[e.Path] = &e
			case !errors.Is(err, catalog.ErrNotFound):
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Decide first, one file after another (generations, and a copy of a file new in
	// this batch), then stamp the files all at once: each stamp is made durable with an
	// fsync, and fsyncs in flight together share the filesystem's journal commits.
	type stampJob struct {
		it       item
		cur      *catalog.Entry
		same, ok bool
	}
	jobs := make([]stampJob, 0, len(batch))
	for _, h := range batch {
		it := h.it
		if h.err != nil {
			r.noteErr(it.v, fmt.Errorf("adopt %s: %w", it.e.Path, h.err))
			r.stats.skipped++
			continue
		}
		if now, err := it.v.d.Stat(ctx, it.e.Path); err != nil || now.HasMeta || now.Size != it.e.Size || !now.ModTime.Equal(it.e.ModTime) {
			// Gone or written by the pool meanwhile: nothing is left to adopt. Changed
			// since it was hashed: judged again at the next reconcile.
			if err == nil && !now.HasMeta {
				r.stats.skipped++
			}
			continue
		}
		gen, err := r.p.nextGen(ctx)
		if err != nil {
			return err
		}
		c := cur[it.e.Path]
		it.e.Meta, it.e.HasMeta = drive.Meta{Gen: gen, Hash: h.sum}, true
		same := c != nil && !c.Dir && bytes.Equal(c.Hash, h.sum[:]) && c.Size == it.e.Size
		if same {
			it.e.Meta.Gen = c.Gen
		}
		if c == nil {
			cur[it.e.Path] = r.entryOf(it) // a copy on another drive in this batch is then a copy of it
		}
		jobs = append(jobs, stampJob{it: it, cur: c, same: same})
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(len(jobs), adoptStampers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				it := jobs[i].it
				err := r.p.within(ctx, it.v, func() error { return it.v.d.SetMeta(ctx, it.e.Path, it.e.Meta) })
				if err != nil {
					r.p.log.Warn("a file placed on a drive by hand could not be stamped", "file", it.e.Path, "drive", it.v.rec.Label, "err", err)
					continue
				}
				jobs[i].ok = true
			}
		}()
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	var puts []catalog.Entry
	var copies []hashed
	for _, j := range jobs {
		it := j.it
		switch {
		case !j.ok:
			r.noteErr(it.v, fmt.Errorf("adopt %s: could not stamp it", it.e.Path))
			r.stats.skipped++
		case j.cur == nil:
			puts = append(puts, *r.entryOf(it))
			r.stats.adopted++
		case j.same:
			copies = append(copies, hashed{it: it})
		default:
			r.p.log.Warn("a file copied onto a drive by hand differs from the pool's; it was kept as a previous version",
				"file", it.e.Path, "drive", it.v.rec.Label)
			r.retire(ctx, it)
		}
	}
	vers := r.vers
	r.vers = nil
	return r.p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.PutEntries(ctx, puts); err != nil {
			return err
		}
		for _, h := range copies {
			if err := tx.AddCopy(ctx, h.it.e.Path, h.it.v.id()); err != nil {
				return err
			}
		}
		for _, v := range vers {
			if err := tx.AddVersion(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
}
