package pool

import (
	"context"
	"errors"
	"syscall"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// State is a drive's condition in the pool.
type State string

const (
	// StateActive: present and healthy; receives new files.
	StateActive State = "active"
	// StateMissing: not reachable (unplugged, unmounted, not answering). Its copies do
	// not count until it returns and is reconciled.
	StateMissing State = "missing"
	// StateFailing: present but failing I/O. Still read as a last resort; its files are
	// copied elsewhere. Adding the drive again returns it to service.
	StateFailing State = "failing"
	// StateRemoving: being emptied by "drive remove".
	StateRemoving State = "removing"
)

// member is one drive of the pool. d is nil while the drive could not be opened.
type member struct {
	d   drive.Drive
	rec catalog.Drive
	// reconciled is false for a drive that returned (or whose pool was not shut down
	// cleanly) until its contents have been compared with the index.
	reconciled  bool
	returned    bool // was missing when the pool last ran, and is here now
	back        bool // was missing and passed a check again: reconcile it
	needDirs    bool // the pool's folders must be made on it
	checking    bool // a check is running (and may hang)
	landing     int  // claimed copies being moved into place on it
	reconciling bool // a reconcile of it runs (and may hang on a dying disk)
	// unsettled: a reconcile could not move every stale copy aside; tombstones are kept
	// until a later reconcile of this drive succeeds.
	unsettled bool
}

func (m *member) state() State { return State(m.rec.State) }

// view is a consistent copy of a member for use without holding p.mu.
type view struct {
	d          drive.Drive
	rec        catalog.Drive
	reconciled bool
}

func (v view) id() string   { return v.rec.ID }
func (v view) state() State { return State(v.rec.State) }

// writable: new copies may go here.
func (v view) writable() bool { return v.readable() && v.state() == StateActive }

// readable: the drive's copies agree with the index and can be read, even if the drive
// is on its way out. A drive waiting to be reconciled is neither read nor written.
func (v view) readable() bool {
	return v.d != nil && v.reconciled && v.state() != StateMissing
}

// present: the drive is there, whatever its contents; it takes the pool's own records
// (configuration, deletes) even before it is reconciled.
func (v view) present() bool { return v.d != nil && v.state() != StateMissing }

func (m *member) view() view { return view{d: m.d, rec: m.rec, reconciled: m.reconciled} }

// needReconcile takes a drive out of service until the repairer has compared it with the
// index again: an operation failed half way and the two may disagree.
func (p *Pool) needReconcile(id string) {
	p.mu.Lock()
	if m, ok := p.members[id]; ok {
		m.reconciled = false
	}
	p.mu.Unlock()
	p.wake()
}

// views returns every member, in the order they were added.
func (p *Pool) views() []view {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]view, 0, len(p.members))
	for _, m := range p.members {
		out = append(out, m.view())
	}
	sortViews(out)
	return out
}

func sortViews(vs []view) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].rec.Added.Before(vs[j-1].rec.Added); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

func (p *Pool) viewOf(id string) (view, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	m, ok := p.members[id]
	if !ok {
		return view{}, false
	}
	return m.view(), true
}

// memberCount counts the drives that hold the pool's data for the long run (all but those
// being removed): it decides automatic duplication.
func (p *Pool) memberCount() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n := 0
	for _, m := range p.members {
		if m.state() != StateRemoving {
			n++
		}
	}
	return n
}

// setState changes a drive's state, records it, and wakes the repairer.
func (p *Pool) setState(ctx context.Context, id string, s State, reason string) {
	p.mu.Lock()
	m, ok := p.members[id]
	if !ok || (m.state() == s && m.rec.Reason == reason) {
		p.mu.Unlock()
		return
	}
	old := m.state()
	m.rec.State, m.rec.Reason, m.rec.Changed = string(s), reason, p.now()
	rec := m.rec
	p.mu.Unlock()
	lvl := p.log.Info
	if s == StateMissing || s == StateFailing {
		lvl = p.log.Error
	}
	lvl("drive state changed", "drive", rec.Label, "path", rec.Path, "from", old, "to", s, "reason", reason)
	if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.PutDrive(ctx, rec) }); err != nil {
		p.log.Warn("could not record drive state", "drive", rec.Label, "err", err)
	}
	p.wake()
}

// noteErr looks at an error from a drive and takes the drive out of service when the
// error says the disk is failing or gone. It returns err unchanged.
func (p *Pool) noteErr(ctx context.Context, v view, err error) error {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.EROFS):
		p.setState(ctx, v.id(), StateFailing, "the disk reported an input/output error: "+err.Error())
	case errors.Is(err, drive.ErrMissing), errors.Is(err, drive.ErrForeign), errors.Is(err, drive.ErrInUse),
		errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		p.lose(ctx, v.id(), err.Error())
	}
	return err
}

// isFull reports whether an error means the drive ran out of room.
func isFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}
