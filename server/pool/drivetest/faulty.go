// Package drivetest holds what tests need to trust a drive: a conformance suite any Drive
// implementation runs in two lines, and Faulty, a wrapper that makes a real drive fail the
// way dying disks do (EIO, ENOSPC, hanging) behind the same interface.
package drivetest

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/pool/drive"
)

// Op names an operation Faulty can break.
type Op string

const (
	OpCheck  Op = "check"
	OpUsage  Op = "usage"
	OpCreate Op = "create"
	OpAdopt  Op = "adopt"  // Adopt (linking a staged file in)
	OpWrite  Op = "write"  // Pending.Write
	OpFinish Op = "finish" // Pending.Finish (the fsync)
	OpCommit Op = "commit" // Pending.Commit (the rename)
	OpOpen   Op = "open"
	OpRead   Op = "read" // reads of an opened copy
	// OpReadDirect: reads of an opened copy after Direct (past the page cache), on top
	// of OpRead; a filesystem that takes O_DIRECT but refuses the reads fails them.
	OpReadDirect Op = "read-direct"
	OpStat       Op = "stat"
	OpWalk       Op = "walk"
	OpMkdir      Op = "mkdir"
	OpRename     Op = "rename"
	OpRetire     Op = "retire"
	OpRemove     Op = "remove"
	OpAppend     Op = "append" // AppendTombstones
)

type rule struct {
	skip  int   // calls to let through first
	count int   // failures left; <0 forever
	err   error // nil with hang set
	hang  bool
}

// Faulty wraps a drive and fails chosen operations. Its zero value is not usable; use
// NewFaulty. All methods are safe for concurrent use.
type Faulty struct {
	drive.Drive

	mu      sync.Mutex
	rules   map[Op]*rule
	free    *uint64
	release chan struct{}
	hung    map[Op]int // calls blocked in a hang now
}

// NewFaulty wraps d; it behaves exactly like d until told otherwise.
func NewFaulty(d drive.Drive) *Faulty {
	return &Faulty{Drive: d, rules: map[Op]*rule{}, release: make(chan struct{}), hung: map[Op]int{}}
}

// Hung returns how many calls of op are blocked in a hang right now, so a test can wait
// until an operation has really reached the drive.
func (f *Faulty) Hung(op Op) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hung[op]
}

// Unwrap returns the real drive.
func (f *Faulty) Unwrap() drive.Drive { return f.Drive }

// Fail makes the op fail with err after skip successful calls, count times (count < 0:
// until Heal).
func (f *Faulty) Fail(op Op, skip, count int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules[op] = &rule{skip: skip, count: count, err: err}
}

// Hang makes every later call of op block, as a disk that stopped answering does, until
// Heal. Like a stuck system call it ignores its context.
func (f *Faulty) Hang(op Op) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules[op] = &rule{count: -1, hang: true}
}

// SetFree makes Usage report free bytes (and total = free + used on the real drive), so
// tests can shape placement without filling a disk.
func (f *Faulty) SetFree(free uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.free = &free
}

// Heal removes every fault and releases hung calls.
func (f *Faulty) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = map[Op]*rule{}
	close(f.release)
	f.release = make(chan struct{})
}

// fault returns the error op must fail with now, blocking first if it hangs.
func (f *Faulty) fault(op Op) error {
	f.mu.Lock()
	r := f.rules[op]
	if r == nil || r.count == 0 {
		f.mu.Unlock()
		return nil
	}
	if r.skip > 0 {
		r.skip--
		f.mu.Unlock()
		return nil
	}
	if r.count > 0 {
		r.count--
	}
	release := f.release
	if r.hang {
		f.hung[op]++
	}
	f.mu.Unlock()
	if r.hang {
		<-release
		f.mu.Lock()
		f.hung[op]--
		f.mu.Unlock()
		return nil
	}
	return r.err
}

func (f *Faulty) Check(ctx context.Context) error {
	if err := f.fault(OpCheck); err != nil {
		return err
	}
	return f.Drive.Check(ctx)
}

func (f *Faulty) Usage(ctx context.Context) (drive.Usage, error) {
	if err := f.fault(OpUsage); err != nil {
		return drive.Usage{}, err
	}
	u, err := f.Drive.Usage(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil && f.free != nil {
		used := u.Total - u.Free
		u.Free, u.Total = *f.free, *f.free+used
	}
	return u, err
}

func (f *Faulty) Create(ctx context.Context, path string, sizeHint int64) (drive.Pending, error) {
	if err := f.fault(OpCreate); err != nil {
		return nil, err
	}
	p, err := f.Drive.Create(ctx, path, sizeHint)
	if err != nil {
		return nil, err
	}
	return &faultyPending{Pending: p, f: f}, nil
}

// CreateDirect goes through Create's faults, as the real copy does.
func (f *Faulty) CreateDirect(ctx context.Context, path string, sizeHint int64) (drive.Pending, error) {
	dc, ok := f.Drive.(drive.DirectCreator)
	if !ok {
		return f.Create(ctx, path, sizeHint)
	}
	if err := f.fault(OpCreate); err != nil {
		return nil, err
	}
	p, err := dc.CreateDirect(ctx, path, sizeHint)
	if err != nil {
		return nil, err
	}
	return &faultyPending{Pending: p, f: f}, nil
}

func (f *Faulty) Adopt(ctx context.Context, path, staged string) (drive.Pending, drive.ReadFile, error) {
	if err := f.fault(OpAdopt); err != nil {
		return nil, nil, err
	}
	p, r, err := f.Drive.Adopt(ctx, path, staged)
	if err != nil {
		return nil, nil, err
	}
	return &faultyPending{Pending: p, f: f}, &faultyFile{ReadFile: r, f: f}, nil
}

type faultyPending struct {
	drive.Pending
	f *Faulty
}

func (p *faultyPending) Write(b []byte) (int, error) {
	if err := p.f.fault(OpWrite); err != nil {
		// A real disk that fails half way has written some of it.
		n, _ := p.Pending.Write(b[:len(b)/2])
		return n, err
	}
	return p.Pending.Write(b)
}

func (p *faultyPending) Finish(ctx context.Context, mtime time.Time, meta drive.Meta) error {
	if err := p.f.fault(OpFinish); err != nil {
		return err
	}
	return p.Pending.Finish(ctx, mtime, meta)
}

func (p *faultyPending) Commit(ctx context.Context, keepOld bool) error {
	if err := p.f.fault(OpCommit); err != nil {
		return err
	}
	return p.Pending.Commit(ctx, keepOld)
}

func (f *Faulty) Open(ctx context.Context, path string) (drive.ReadFile, error) {
	if err := f.fault(OpOpen); err != nil {
		return nil, err
	}
	r, err := f.Drive.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if c, ok := r.(drive.CachedFile); ok {
		return &faultyCachedFile{faultyFile{ReadFile: r, f: f}, c}, nil
	}
	return &faultyFile{ReadFile: r, f: f}, nil
}

// faultyCachedFile passes the drive's cached reads on, failing them as it fails reads.
type faultyCachedFile struct {
	faultyFile
	c drive.CachedFile
}

func (r *faultyCachedFile) ID() drive.FileID { return r.c.ID() }

func (r *faultyCachedFile) ReadCached(b []byte, off int64) (int, error) {
	if err := r.f.fault(OpRead); err != nil {
		return 0, err
	}
	return r.c.ReadCached(b, off)
}

type faultyFile struct {
	drive.ReadFile
	f      *Faulty
	direct bool // Direct was called
}

func (r *faultyFile) Read(b []byte) (int, error) {
	if err := r.f.fault(OpRead); err != nil {
		return 0, err
	}
	if r.direct {
		if err := r.f.fault(OpReadDirect); err != nil {
			return 0, err
		}
	}
	return r.ReadFile.Read(b)
}

// Direct passes the switch to direct reads on to the real drive's file, when it can.
func (r *faultyFile) Direct() error {
	d, ok := r.ReadFile.(drive.DirectFile)
	if !ok {
		return errors.ErrUnsupported
	}
	if err := d.Direct(); err != nil {
		return err
	}
	r.direct = true
	return nil
}

func (r *faultyFile) ReadAt(b []byte, off int64) (int, error) {
	if err := r.f.fault(OpRead); err != nil {
		return 0, err
	}
	if r.direct {
		if err := r.f.fault(OpReadDirect); err != nil {
			return 0, err
		}
	}
	return r.ReadFile.ReadAt(b, off)
}

func (f *Faulty) Stat(ctx context.Context, path string) (drive.Entry, error) {
	if err := f.fault(OpStat); err != nil {
		return drive.Entry{}, err
	}
	return f.Drive.Stat(ctx, path)
}

func (f *Faulty) Walk(ctx context.Context, path string, fn func(drive.Entry) error) error {
	if err := f.fault(OpWalk); err != nil {
		return err
	}
	return f.Drive.Walk(ctx, path, fn)
}

func (f *Faulty) Mkdir(ctx context.Context, path string, mtime time.Time, gen uint64) error {
	if err := f.fault(OpMkdir); err != nil {
		return err
	}
	return f.Drive.Mkdir(ctx, path, mtime, gen)
}

func (f *Faulty) Rename(ctx context.Context, from, to string, gen uint64) error {
	if err := f.fault(OpRename); err != nil {
		return err
	}
	return f.Drive.Rename(ctx, from, to, gen)
}

func (f *Faulty) Retire(ctx context.Context, path string) error {
	if err := f.fault(OpRetire); err != nil {
		return err
	}
	return f.Drive.Retire(ctx, path)
}

func (f *Faulty) Remove(ctx context.Context, path string) error {
	if err := f.fault(OpRemove); err != nil {
		return err
	}
	return f.Drive.Remove(ctx, path)
}

func (f *Faulty) AppendTombstones(ctx context.Context, ts []drive.Tombstone) error {
	if err := f.fault(OpAppend); err != nil {
		return err
	}
	return f.Drive.AppendTombstones(ctx, ts)
}

// PutVersion goes through Create's faults too, as the real copy does.
func (f *Faulty) PutVersion(ctx context.Context, path string, gen uint64, mtime time.Time, meta drive.Meta, r io.Reader) error {
	if err := f.fault(OpCreate); err != nil {
		return err
	}
	return f.Drive.PutVersion(ctx, path, gen, mtime, meta, r)
}

func (f *Faulty) SetMeta(ctx context.Context, path string, meta drive.Meta) error {
	if err := f.fault(OpRename); err != nil {
		return err
	}
	return f.Drive.SetMeta(ctx, path, meta)
}

func (f *Faulty) Release(ctx context.Context) error {
	if err := f.fault(OpRemove); err != nil {
		return err
	}
	return f.Drive.Release(ctx)
}
