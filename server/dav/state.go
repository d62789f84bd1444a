package dav

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
)

// visible reports whether the request's principal may see the share of a pool path.
func visible(ctx context.Context, p string) bool {
	pr, ok := auth.PrincipalOf(ctx)
	if !ok {
		return false
	}
	share, _, _ := cutShare(p)
	return pr.Level(share) >= auth.Read
}

// reqState is what the layer in front of the engine and the file system share about one
// request: what the pool said when it refused something (so the answer can say why), the
// generation a conditional PUT expects, and, during a PROPFIND, the folder listing last
// read with its dead properties, so each entry costs no further catalog query.
type reqState struct {
	method    string
	name, dst string // the request's WebDAV name and, for COPY and MOVE, its destination
	mu        sync.Mutex
	err       error
	ifGen     *uint64
	size      int64

	listing  bool // a PROPFIND: keep listings
	listDir  string
	list     []pool.FileInfo // sorted by path
	props    map[string][]catalog.Prop
	propsDir string
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

// cached finds p in the folder listing last read.
func (st *reqState) cached(p string) (fileInfo, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.list == nil || parentOf(p) != st.listDir {
		return fileInfo{}, false
	}
	i, ok := slices.BinarySearchFunc(st.list, p, func(fi pool.FileInfo, p string) int { return strings.Compare(fi.Path, p) })
	if !ok {
		return fileInfo{}, false
	}
	return fileInfo{&st.list[i]}, true
}

// remember keeps a folder listing (only the last: a deep PROPFIND must not hold the
// whole tree).
func (st *reqState) remember(dir string, list []pool.FileInfo) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.listing || !slices.IsSortedFunc(list, func(a, b pool.FileInfo) int { return strings.Compare(a.Path, b.Path) }) {
		return
	}
	st.listDir, st.list = dir, list
}

// propsOf returns the dead properties of p if the folder holding p was read in this
// request, loading that folder's properties with one query.
func (st *reqState) propsOf(ctx context.Context, ps *propStore, p string) ([]catalog.Prop, bool, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	dir := parentOf(p)
	if !st.listing || st.list == nil || dir != st.listDir {
		return nil, false, nil
	}
	if st.props == nil || st.propsDir != dir {
		m, err := ps.in(ctx, dir)
		if err != nil {
			return nil, false, err
		}
		st.props, st.propsDir = m, dir
	}
	return st.props[p], true, nil
}

func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}
