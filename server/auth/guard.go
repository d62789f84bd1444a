package auth

import (
	"sync"
	"time"
)

// Guard slows down and then locks out a source address that keeps failing to sign in. It
// never locks an account: a stranger guessing must not keep the family out.
type Guard struct {
	// Window is how long a failure counts; LockAfter failures within it lock the source
	// out for LockFor. Each failure doubles the wait before the next attempt, from
	// FirstDelay up to MaxDelay.
	Window, LockFor      time.Duration
	LockAfter            int
	FirstDelay, MaxDelay time.Duration
	Now                  func() time.Time

	mu      sync.Mutex
	sources map[string]*source
}

type source struct {
	failures    []time.Time
	pending     int // attempts checked but not yet decided: they count as failures
	lockedUntil time.Time
}

// NewGuard returns a guard with the defaults: 10 failures in 10 minutes lock a source out
// for 15 minutes; waits grow from 0.25 s to 25 s.
func NewGuard() *Guard {
	return &Guard{
		Window: 10 * time.Minute, LockFor: 15 * time.Minute, LockAfter: 10,
		FirstDelay: 250 * time.Millisecond, MaxDelay: 25 * time.Second,
		Now:     time.Now,
		sources: map[string]*source{},
	}
}

// Verdict is what the guard says about the next attempt from a source.
type Verdict struct {
	Locked bool          // refuse without checking, until Wait has passed
	Wait   time.Duration // wait this long before checking (or, if Locked, retry after)
}

// Clean reports whether addr has no failed, undecided or locked-out sign-ins: only then
// may a request with credentials known to be good skip the guard. A source that is
// guessing is never clean, so its guesses are never checked for free.
func (g *Guard) Clean(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.prune(addr, g.Now())
	return s == nil || (len(s.failures) == 0 && s.pending == 0 && !g.Now().Before(s.lockedUntil))
}

// Check tells how the next attempt from addr must be treated. An attempt that is not
// Locked must be followed by Failed or Succeeded: until then it counts as a failure, so
// attempts sent in parallel cannot get more guesses in than one after another.
func (g *Guard) Check(addr string) Verdict {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.Now()
	s := g.prune(addr, now)
	if s == nil {
		s = &source{}
		g.sources[addr] = s
	}
	if now.Before(s.lockedUntil) {
		return Verdict{Locked: true, Wait: s.lockedUntil.Sub(now)}
	}
	n := len(s.failures) + s.pending
	if n >= g.LockAfter {
		// Enough guesses are already under way to lock the source out.
		return Verdict{Locked: true, Wait: g.LockFor}
	}
	s.pending++
	if n == 0 {
		return Verdict{}
	}
	delay := g.FirstDelay << min(n-1, 30)
	if delay > g.MaxDelay || delay <= 0 {
		delay = g.MaxDelay
	}
	last := now
	if len(s.failures) > 0 {
		last = s.failures[len(s.failures)-1]
	}
	return Verdict{Wait: max(last.Add(delay).Sub(now), 0)}
}

// Failed records a failed attempt from addr and reports whether it locked the source out.
func (g *Guard) Failed(addr string) (locked bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.Now()
	if len(g.sources) > 4096 { // many sources: forget the stale ones so memory stays small
		for a := range g.sources {
			g.prune(a, now)
		}
	}
	s := g.prune(addr, now)
	if s == nil {
		s = &source{}
		g.sources[addr] = s
	}
	s.pending = max(s.pending-1, 0)
	s.failures = append(s.failures, now)
	if len(s.failures) >= g.LockAfter && !now.Before(s.lockedUntil) {
		s.lockedUntil = now.Add(g.LockFor)
		s.failures = nil
		return true
	}
	return false
}

// Succeeded forgets the failures of addr (unless it is locked out).
func (g *Guard) Succeeded(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sources[addr]
	if s == nil {
		return
	}
	s.pending = max(s.pending-1, 0)
	if !g.Now().Before(s.lockedUntil) {
		s.failures = nil
		if s.pending == 0 {
			delete(g.sources, addr)
		}
	}
}

// Abandoned ends an attempt that was neither right nor wrong (the client went away, or
// the server could not check).
func (g *Guard) Abandoned(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.sources[addr]; s != nil {
		s.pending = max(s.pending-1, 0)
	}
}

// prune drops failures older than the window and forgets a source with nothing left.
func (g *Guard) prune(addr string, now time.Time) *source {
	s := g.sources[addr]
	if s == nil {
		return nil
	}
	keep := s.failures[:0]
	for _, t := range s.failures {
		if now.Sub(t) < g.Window {
			keep = append(keep, t)
		}
	}
	s.failures = keep
	if len(keep) == 0 && s.pending == 0 && !now.Before(s.lockedUntil) {
		delete(g.sources, addr)
		return nil
	}
	return s
}
