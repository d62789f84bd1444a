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

// reqState is what the layer in front of the engine and the file system share about one
// request: what the pool said when it refused something (so the answer can say why), the
// generation a conditional PUT expects, and the names a COPY or MOVE works on.
type reqState struct {
	method    string
	name, dst string // the request's WebDAV name and, for COPY and MOVE, its destination
	mu        sync.Mutex
	err       error
	ifGen     *uint64
	size      int64
}

type stateKey struct{}

func withState(ctx context.Context, st *reqState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func stateOf(ctx context.Context) *reqState {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// fail remembers a pool error and returns it in the form the engine understands.
func (st *reqState) fail(op, name string, err error) error {
	if err == nil {
		return nil
	}
	st.mu.Lock()
	st.err = err
	st.mu.Unlock()
	return pathErr(op, name, osError(err))
}

func (st *reqState) poolErr() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}
