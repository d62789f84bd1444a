package links

import (
	"context"
	"io"
	"sync"

	"github.com/hearth-home/hearth/server/catalog"
)

// quota keeps an upload link's limits whole for senders at the same time. The catalog
// counts a file only once it is in, so counts read at a request's start miss the files
// arriving through other requests meanwhile: N senders at once would each get the whole
// limit. While any request sends through a link, its use is kept here instead: the
// catalog's counts when the first began, plus every file begun since (and its bytes as
// they arrive), less those that failed.
type quota struct {
	mu    sync.Mutex
	links map[string]*linkUse
}

type linkUse struct {
	refs         int // requests sending through the link now
	files, bytes int64
}

func newQuota() *quota { return &quota{links: map[string]*linkUse{}} }

// enter starts a request's sending through link id; leave must follow.
func (q *quota) enter(ctx context.Context, cat *catalog.Catalog, id string) (*linkUse, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.links[id]
	if u == nil {
		// No one else sends through it: the catalog's counts are whole.
		var l catalog.Link
		err := cat.View(ctx, func(tx *catalog.Tx) (err error) { l, err = tx.Link(ctx, id); return err })
		if err != nil {
			return nil, err
		}
		u = &linkUse{files: l.Files, bytes: l.Bytes}
		q.links[id] = u
	}
	u.refs++
	return u, nil
}

func (q *quota) leave(id string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if u := q.links[id]; u != nil {
		if u.refs--; u.refs <= 0 {
			delete(q.links, id) // all counted in the catalog now
		}
	}
}

// beginFile takes one of the link's files for a file about to arrive, or says errLimit.
func (q *quota) beginFile(u *linkUse, max int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if max > 0 && u.files >= max {
		return errLimit
	}
	u.files++
	return nil
}

// failed gives back what a file that did not arrive took.
func (q *quota) failed(u *linkUse, n int64) {
	q.mu.Lock()
	u.files--
	u.bytes -= n
	q.mu.Unlock()
}

// metered reads a file's data, taking its bytes from the link's as they come, and fails
// with errLimit at the first byte over max (0: no limit).
type metered struct {
	q   *quota
	u   *linkUse
	max int64
	r   io.Reader
	n   int64 // bytes taken
}

func (m *metered) Read(b []byte) (int, error) {
	n, err := m.r.Read(b)
	if n > 0 {
		m.q.mu.Lock()
		over := m.max > 0 && m.u.bytes+int64(n) > m.max
		m.u.bytes += int64(n)
		m.q.mu.Unlock()
		m.n += int64(n)
		if over {
			return n, errLimit
		}
	}
	return n, err
}
