package pool

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// runMonitor checks every drive every CheckEvery: a drive that vanished, lost its
// marker, or stopped answering is marked missing within seconds, and one that returns is
// handed to the repairer to be reconciled.
func (p *Pool) runMonitor(ctx context.Context) error {
	t := time.NewTicker(p.opt.CheckEvery)
	defer t.Stop()
	for {
		p.checkDrives(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// checkDrives checks every drive at once and waits for the answers, at most the drive
// timeout: a check that hangs marks its drive missing and is left to finish on its own.
func (p *Pool) checkDrives(ctx context.Context) {
	var vs []view
	p.mu.Lock()
	for _, m := range p.members {
		if !m.checking {
			m.checking = true
			vs = append(vs, m.view())
		}
	}
	p.mu.Unlock()
	done := make(chan struct{}, len(vs))
	for _, v := range vs {
		go func() {
			p.checkDrive(ctx, v)
			done <- struct{}{}
		}()
	}
	t := time.NewTimer(p.opt.DriveTimeout)
	defer t.Stop()
	for range vs {
		select {
		case <-done:
		case <-t.C:
			p.markHung(ctx)
			return
		case <-ctx.Done():
			return
		}
	}
}

// markHung marks every drive whose check is still running as missing.
func (p *Pool) markHung(ctx context.Context) {
	p.mu.RLock()
	var hung []string
	for id, m := range p.members {
		if m.checking && m.state() != StateMissing {
			hung = append(hung, id)
		}
	}
	p.mu.RUnlock()
	for _, id := range hung {
		p.lose(ctx, id, "the drive stopped answering")
	}
}

func (p *Pool) checkDrive(ctx context.Context, v view) {
	defer func() {
		p.mu.Lock()
		if m := p.members[v.id()]; m != nil {
			m.checking = false
		}
		p.mu.Unlock()
	}()
	if v.d == nil {
		p.tryOpen(ctx, v)
		return
	}
	err := v.d.Check(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		// The check was cut off because the pool is stopping, not by the drive: a drive
		// marked missing here was then removed by a removal that should have been refused.
	case processShort(err):
		// The server ran out of descriptors or memory, not the drive: it stays.
		p.log.Warn("a drive could not be checked: the server is short of resources", "drive", v.rec.Label, "err", err)
	case err != nil && v.state() != StateMissing:
		p.lose(ctx, v.id(), err.Error())
	case err == nil && v.state() == StateMissing:
		p.found(v.id())
	}
}

// tryOpen opens a drive that was missing since the pool started.
func (p *Pool) tryOpen(ctx context.Context, v view) {
	d, err := p.openMember(ctx, v.rec.Path, v.id())
	if err != nil {
		return
	}
	p.mu.Lock()
	if m := p.members[v.id()]; m != nil && m.d == nil {
		m.d = d
		d = nil
	}
	p.mu.Unlock()
	if d != nil {
		d.Close()
	}
	p.found(v.id())
}

// lose marks a drive missing; its copies must be compared with the index again when it
// returns.
func (p *Pool) lose(ctx context.Context, id, reason string) {
	p.mu.Lock()
	if m := p.members[id]; m != nil {
		m.reconciled, m.back = false, false
	}
	p.mu.Unlock()
	p.setState(ctx, id, StateMissing, reason)
}

// found hands a returning drive to the repairer.
func (p *Pool) found(id string) {
	p.mu.Lock()
	if m := p.members[id]; m != nil && !m.back {
		m.back = true
		m.reconciled = false
		p.log.Info("a missing drive is back; checking it against the index", "drive", m.rec.Label)
	}
	p.mu.Unlock()
	p.wake()
}

// processShort reports whether err is the server's own shortage (open files, memory)
// rather than anything the drive did.
func processShort(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM)
}
