package auth

import (
	"context"
	"slices"
	"strings"
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
	stats   GuardStats
}

// GuardStats counts what the guard told attempts since it was made: what it did to the
// people it let in, for the metrics and the tests that must not go by the clock.
type GuardStats struct {
	Checked int64 // attempts let through to be checked
	Delayed int64 // of those, the ones told to wait first (the source had failed lately)
	Queued  int64 // times an attempt waited for another attempt from its source to be decided
	Refused int64 // attempts refused because their source was locked out
}

// Stats returns the counts so far.
func (g *Guard) Stats() GuardStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stats
}

type source struct {
	failures []failure
	// checking counts attempts being checked now. They are not failures (a PC opening a
	// folder of photos sends many requests at once with the right password), but each
	// might be one, so they limit how many more may start.
	checking    int
	lockedUntil time.Time
	decided     chan struct{} // closed, and replaced, whenever an attempt is decided
}

// failure is a wrong password (or token) for a user name, or "" for a Bearer token.
type failure struct {
	at   time.Time
	name string
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

// LockedOut reports whether addr is locked out now. Credentials known to be good without
// a check (see auth.Accounts.Known) skip the guard, whatever others at the address got
// wrong, but not while it is locked out.
func (g *Guard) LockedOut(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.Now()
	s := g.prune(addr, now)
	return s != nil && now.Before(s.lockedUntil)
}

// Check waits until an attempt from addr may be checked, and tells how: locked out, or
// after how long a wait. An attempt that is not Locked must be followed by Failed,
// Succeeded or Abandoned. The error is ctx's, when it ended while waiting.
//
// Attempts being checked are not failures, and from a clean source up to LockAfter of
// them run at once. No more start than could fail before the source is locked out, and
// while it has failed lately they run one at a time, each after its delay: guesses sent
// all at once get no more checked than guesses sent one after another.
func (g *Guard) Check(ctx context.Context, addr string) (Verdict, error) {
	for {
		v, turn := g.admit(addr)
		if turn == nil {
			return v, nil
		}
		select {
		case <-turn:
		case <-ctx.Done():
			return Verdict{}, ctx.Err()
		}
	}
}

// admit starts an attempt from addr, or returns a channel closed when an earlier attempt
// is decided and it may ask again.
func (g *Guard) admit(addr string) (Verdict, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.Now()
	s := g.prune(addr, now)
	if s == nil {
		s = &source{decided: make(chan struct{})}
		g.sources[addr] = s
	}
	if now.Before(s.lockedUntil) {
		g.stats.Refused++
		return Verdict{Locked: true, Wait: s.lockedUntil.Sub(now)}, nil
	}
	n := len(s.failures)
	if n+s.checking >= g.LockAfter || (n > 0 && s.checking > 0) {
		g.stats.Queued++
		return Verdict{}, s.decided
	}
	s.checking++
	g.stats.Checked++
	if n == 0 {
		return Verdict{}, nil
	}
	delay := g.FirstDelay << min(n-1, 30)
	if delay > g.MaxDelay || delay <= 0 {
		delay = g.MaxDelay
	}
	v := Verdict{Wait: max(s.failures[n-1].at.Add(delay).Sub(now), 0)}
	if v.Wait > 0 {
		g.stats.Delayed++
	}
	return v, nil
}

// decide ends an attempt of s being checked and wakes the attempts waiting their turn.
func (s *source) decide() {
	s.checking = max(s.checking-1, 0)
	close(s.decided)
	s.decided = make(chan struct{})
}

// Failed records a failed attempt from addr to sign in as name, and reports whether it
// locked the source out.
func (g *Guard) Failed(addr, name string) (locked bool) {
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
		s = &source{decided: make(chan struct{})}
		g.sources[addr] = s
	}
	s.decide()
	s.failures = append(s.failures, failure{at: now, name: name})
	if len(s.failures) >= g.LockAfter && !now.Before(s.lockedUntil) {
		s.lockedUntil = now.Add(g.LockFor)
		s.failures = nil
		return true
	}
	return false
}

// Succeeded records that addr signed in as name, which forgets the source's failures for
// that name (unless it is locked out): someone who mistyped their password is not slowed
// any more. Failures for other names stay, so guessing someone else's password from a
// PC where one knows one's own does not start afresh with every sign-in of one's own.
func (g *Guard) Succeeded(addr, name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.sources[addr]
	if s == nil {
		return
	}
	s.decide()
	if !g.Now().Before(s.lockedUntil) {
		s.failures = slices.DeleteFunc(s.failures, func(f failure) bool { return strings.EqualFold(f.name, name) })
		if len(s.failures) == 0 && s.checking == 0 {
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
		s.decide()
	}
}

// prune drops failures older than the window and forgets a source with nothing left.
func (g *Guard) prune(addr string, now time.Time) *source {
	s := g.sources[addr]
	if s == nil {
		return nil
	}
	s.failures = slices.DeleteFunc(s.failures, func(f failure) bool { return now.Sub(f.at) >= g.Window })
	if len(s.failures) == 0 && s.checking == 0 && !now.Before(s.lockedUntil) {
		delete(g.sources, addr)
		return nil
	}
	return s
}
