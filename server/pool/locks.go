package pool

import "sync"

// pathLocks serialises changes to one path and remembers which files are open for
// writing, so background work never moves a file someone is writing.
type pathLocks struct {
	mu      sync.Mutex
	locks   map[string]*pathLock
	writing map[string]int
	// skipped: background work passed these files by while they were being written;
	// when the last writer of one is done, ended is called so the work comes back.
	skipped map[string]bool
	ended   func()
}

type pathLock struct {
	sync.Mutex
	refs int
}

func (l *pathLocks) init(ended func()) {
	l.locks = map[string]*pathLock{}
	l.writing = map[string]int{}
	l.skipped = map[string]bool{}
	l.ended = ended
}

// lock takes the lock of path and returns its release.
func (l *pathLocks) lock(path string) func() {
	l.mu.Lock()
	pl := l.locks[path]
	if pl == nil {
		pl = &pathLock{}
		l.locks[path] = pl
	}
	pl.refs++
	l.mu.Unlock()
	pl.Lock()
	return func() {
		pl.Unlock()
		l.mu.Lock()
		if pl.refs--; pl.refs == 0 {
			delete(l.locks, path)
		}
		l.mu.Unlock()
	}
}

// startWrite marks path as being written until the returned func is called.
func (l *pathLocks) startWrite(path string) func() {
	l.mu.Lock()
	l.writing[path]++
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			skipped := false
			if l.writing[path]--; l.writing[path] == 0 {
				delete(l.writing, path)
				skipped = l.skipped[path]
				delete(l.skipped, path)
			}
			l.mu.Unlock()
			if skipped {
				l.ended()
			}
		})
	}
}

// skipWriting reports whether path is open for writing and, if so, asks for ended to be
// called when its writing ends: the caller leaves the file for now and must come back.
func (l *pathLocks) skipWriting(path string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writing[path] == 0 {
		return false
	}
	l.skipped[path] = true
	return true
}

// isWriting reports whether path is open for writing.
func (l *pathLocks) isWriting(path string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writing[path] > 0
}
