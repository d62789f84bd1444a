package dav

import (
	"context"
	"sync"

	"github.com/hearth-home/hearth/server/auth"
)

// visible reports whether the request's principal may see the share of a pool path (never
// the pool share that holds the backups).
func visible(ctx context.Context, p string) bool {
	pr, ok := auth.PrincipalOf(ctx)
	if !ok {
		return false
	}
	share, _, _ := cutShare(p)
	return shareReadable(pr, share)
}

// reqState is what the layer in front of the engine and its file system share about one
// request the engine serves: what the pool said when it refused something (so the answer
// can say why) and the names a COPY or MOVE works on.
type reqState struct {
	method    string
	name, dst string // the request's WebDAV name and, for COPY and MOVE, its destination
	mu        sync.Mutex
	err       error
}

// fail remembers a pool error and returns it in the form the engine understands. A
// request the engine does not serve has no state; its errors are only returned.
func (st *reqState) fail(op, name string, err error) error {
	if err == nil {
		return nil
	}
	if st != nil {
		st.mu.Lock()
		st.err = err
		st.mu.Unlock()
	}
	return pathErr(op, name, osError(err))
}

func (st *reqState) poolErr() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}
