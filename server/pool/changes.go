package pool

import (
	"context"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/pool/safepath"
)

// changeLog remembers the paths changed (deleted, renamed, written) while a reconcile
// runs. The reconciler defers items under those paths and judges them again at the end,
// under the exclusive tree lock, so a change made during a reconcile is never undone by
// it.
type changeLog struct {
	mu     sync.Mutex
	active int
	paths  map[string]bool
}

func (c *changeLog) begin() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active == 0 {
		c.paths = map[string]bool{}
	}
	c.active++
}

func (c *changeLog) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active--; c.active == 0 {
		c.paths = nil
	}
}

// note records changed paths; it does nothing when no reconcile runs.
func (c *changeLog) note(paths ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active > 0 {
		for _, p := range paths {
			c.paths[p] = true
		}
	}
}

// touches reports whether path lies at or below a changed path.
func (c *changeLog) touches(path string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paths[path] {
		return true
	}
	found := false
	safepath.Ancestors(path, func(a string) { found = found || c.paths[a] })
	return found
}

func (c *changeLog) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.paths))
	for p := range c.paths {
		out = append(out, p)
	}
	return out
}

// Changes counts the changes to what the pool holds since it opened: a file written,
// renamed or deleted, a folder made, a share made or its settings changed. Each is
// counted once it is recorded, so whoever sees the count move sees the change: a media
// server tells its clients their listings are stale by it, without walking the pool.
func (p *Pool) Changes() uint64 { return p.committed.Load() }

// changed counts a change that has been recorded (Changes).
func (p *Pool) changed() { p.committed.Add(1) }

// changedUnless counts a change when the function it is deferred in returns no error.
func (p *Pool) changedUnless(err *error) {
	if *err == nil {
		p.changed()
	}
}

// claim marks copies about to land on the drives ids and returns those that may take
// them: in service, or being removed (the evacuation waits for them and moves them too).
// Every claimed id must be given back with unclaim.
func (p *Pool) claim(ids []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ok []string
	for _, id := range ids {
		if m := p.members[id]; m != nil && m.view().readable() && (m.state() == StateActive || m.state() == StateRemoving) {
			m.landing++
			ok = append(ok, id)
		}
	}
	return ok
}

func (p *Pool) unclaim(ids []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if m := p.members[id]; m != nil {
			m.landing--
		}
	}
}

// drain waits until no claimed copy is landing on drive id. The caller has taken the
// drive out of service first, so no new claim can succeed.
func (p *Pool) drain(ctx context.Context, id string) error {
	for {
		p.mu.RLock()
		m := p.members[id]
		busy := m != nil && m.landing > 0
		p.mu.RUnlock()
		if !busy {
			return nil
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
}
