package drive

import (
	"sync"

	"golang.org/x/sys/unix"
)

// dirSyncs shares one fsync of a folder among the copies renamed into it together (a
// group commit of the folder). A copy's rename is durable once an fsync of its folder
// that started after the rename has returned; so a copy joins the group that has not
// started yet, never the one whose fsync runs, and the first of the group to find no
// fsync running makes it, for all of them. A copy alone in its folder is synced at once,
// as before; copies landing in one folder together wait for one fsync instead of one
// each.
type dirSyncs struct {
	mu sync.Mutex
	m  map[dirKey]*dirSyncQueue
}

// dirKey names a folder by its inode: a folder renamed meanwhile is still the same one.
type dirKey struct{ dev, ino uint64 }

type dirSyncQueue struct {
	cur, next *dirSyncGroup // the fsync running; the group gathering for the next
}

type dirSyncGroup struct {
	started bool
	err     error
	done    chan struct{} // closed when err is set
}

// sync makes the entries of the folder dir durable, in one fsync with those of other
// callers for the same folder that arrive while an fsync of it runs.
func (s *dirSyncs) sync(dir dirFD, rel string) error {
	var st unix.Stat_t
	if err := unix.Fstat(int(dir), &st); err != nil {
		return dir.sync(rel)
	}
	k := dirKey{st.Dev, st.Ino}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[dirKey]*dirSyncQueue{}
	}
	q := s.m[k]
	if q == nil {
		q = &dirSyncQueue{}
		s.m[k] = q
	}
	if q.next == nil {
		q.next = &dirSyncGroup{done: make(chan struct{})}
	}
	g := q.next
	for {
		if g.started {
			s.mu.Unlock()
			<-g.done
			return g.err
		}
		if q.cur == nil {
			q.cur, q.next, g.started = g, nil, true
			s.mu.Unlock()
			g.err = dir.sync(rel)
			s.mu.Lock()
			q.cur = nil
			if q.next == nil {
				delete(s.m, k)
			}
			s.mu.Unlock()
			close(g.done)
			return g.err
		}
		cur := q.cur
		s.mu.Unlock()
		<-cur.done
		s.mu.Lock()
	}
}
