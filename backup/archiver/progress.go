package archiver

import (
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// progress is updated by every stage and read by the reporter.
type progress struct {
	started                time.Time
	files, bytes           atomic.Int64
	totalFiles, totalBytes atomic.Int64
	counted                atomic.Bool
	sentPlain, uploaded    atomic.Int64
}

func (p *progress) read(n int64)      { p.bytes.Add(n) }
func (p *progress) fileDone()         { p.files.Add(1) }
func (p *progress) unchanged(n int64) { p.files.Add(1); p.bytes.Add(n) }
func (p *progress) sent(plain, wire int64) {
	p.sentPlain.Add(plain)
	p.uploaded.Add(wire)
}

func (p *progress) snapshot() Progress {
	return Progress{Files: p.files.Load(), Bytes: p.bytes.Load(), TotalFiles: p.totalFiles.Load(), TotalBytes: p.totalBytes.Load(),
		Counted: p.counted.Load(), Sent: p.sentPlain.Load(), Uploaded: p.uploaded.Load(), Started: p.started}
}

// report calls the progress function four times a second until stopped, then once more
// with Done set.
func (a *archiver) report() (stop func()) {
	if a.opt.Progress == nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				a.opt.Progress(a.prog.snapshot())
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
		p := a.prog.snapshot()
		p.Done = true
		a.opt.Progress(p)
	}
}

// count totals what the backup covers, beside the backup itself, so progress can show
// how much is left.
func (a *archiver) count(paths []string) {
	for _, root := range paths {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if a.ctx.Err() != nil {
				return a.ctx.Err()
			}
			if err != nil {
				return nil
			}
			if a.excluded(p, d.Name()) && p != root {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					a.prog.totalFiles.Add(1)
					a.prog.totalBytes.Add(fi.Size())
				}
			}
			return nil
		})
	}
	a.prog.counted.Store(true)
}
