package web

import (
	"syscall"
	"time"
)

// Limits bound what clients can hold of the server, so that slow or many connections
// (a stranger on the network trickling bytes, a PC gone wild) cannot use up its
// descriptors, which the drives and the catalog need. Zero fields take the defaults.
type Limits struct {
	// HeaderTimeout is how long a request's header (and a connection's TLS handshake)
	// may take to arrive; IdleTimeout how long a connection may wait for its next request.
	HeaderTimeout, IdleTimeout time.Duration
	// A request body must keep coming: in every BodyWindow of waiting for it, at least
	// BodyMinRate bytes a second of it must arrive, or the connection is closed. A slow
	// but honest upload of many GiB goes on for as long as it takes; one trickling a
	// byte now and then does not. Time the server itself spends between reads (writing
	// to a slow drive) is not counted against the client. A response body must keep
	// going at the same pace: a download read a few bytes now and then is cut off,
	// while a stream of events may stay quiet between them for as long as it likes.
	BodyWindow  time.Duration
	BodyMinRate int64
	// PerAddress caps the open connections from one address (an IPv6 /64): a PC opening
	// a folder of photos, or a WebDAV client, uses a few dozen at most.
	PerAddress int
	// Anonymous caps connections that have not signed in yet, per address and in all:
	// a stranger can hold no more than these, whatever he sends.
	AnonymousPerAddress, Anonymous int
	// Total caps every open connection; 0 takes half the process's descriptor limit (at
	// most 4096), so the drives and the catalog always have descriptors.
	Total int
}

// The defaults.
const (
	defaultHeaderTimeout       = 20 * time.Second
	defaultIdleTimeout         = 2 * time.Minute
	defaultBodyWindow          = 30 * time.Second
	defaultBodyMinRate         = 1 << 10
	defaultPerAddress          = 128
	defaultAnonymousPerAddress = 64
	defaultAnonymous           = 512
	maxTotal                   = 4096
)

func (l Limits) withDefaults() Limits {
	set := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.HeaderTimeout, defaultHeaderTimeout)
	set(&l.IdleTimeout, defaultIdleTimeout)
	set(&l.BodyWindow, defaultBodyWindow)
	if l.BodyMinRate <= 0 {
		l.BodyMinRate = defaultBodyMinRate
	}
	if l.PerAddress <= 0 {
		l.PerAddress = defaultPerAddress
	}
	if l.AnonymousPerAddress <= 0 {
		l.AnonymousPerAddress = min(defaultAnonymousPerAddress, l.PerAddress)
	}
	if l.Anonymous <= 0 {
		l.Anonymous = defaultAnonymous
	}
	if l.Total <= 0 {
		l.Total = descriptorBudget()
	}
	return l
}

// descriptorBudget is how many connections may be open: half the descriptors the process
// may have (Go raises the soft limit to the hard one at start), the rest being for
// drives, the catalog and the backups.
func descriptorBudget() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil || r.Cur == 0 {
		return 512
	}
	return int(max(32, min(maxTotal, r.Cur/2)))
}
