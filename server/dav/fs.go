package dav

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"golang.org/x/net/webdav"
)

// poolFS is the pool as a webdav.FileSystem. Names are "/Share/dir/file"; "/" is the list
// of shares the signed-in user may read. Every write goes through the pool's atomic,
// duplicated write path.
type poolFS struct {
	pool  *pool.Pool
	props *propStore
	quota *quota
	locks *lockSystem
	st    *reqState // of the request the engine serves over this copy of the file system
}

var _ webdav.FileSystem = (*poolFS)(nil)

// poolPath turns a WebDAV name into a pool path ("" for the root).
func poolPath(name string) string {
	return strings.Trim(name, "/")
}

func (f *poolFS) Stat(ctx context.Context, name string) (os.FileInfo, error) {
	p := poolPath(name)
	if p == "" {
		return rootInfo{}, nil
	}
	if !visible(ctx, p) {
		return nil, pathErr("stat", name, os.ErrNotExist)
	}
	fi, err := f.pool.Stat(ctx, p)
	if err != nil {
		return nil, f.st.fail("stat", name, err)
	}
	return pool.Stat{FI: &fi}, nil
}

func (f *poolFS) OpenFile(ctx context.Context, name string, flag int, _ os.FileMode) (webdav.File, error) {
	p := poolPath(name)
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 && flag&os.O_CREATE != 0 {
		if p == "" {
			return nil, pathErr("create", name, os.ErrPermission)
		}
		w, err := f.pool.Create(ctx, p, pool.WriteOptions{})
		if err != nil {
			return nil, f.st.fail("create", name, err)
		}
		return &writeFile{propHolder: propHolder{fs: f, ctx: ctx, path: p}, name: name, w: w}, nil
	}
	fi, err := f.Stat(ctx, name)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return &dirFile{propHolder: propHolder{fs: f, ctx: ctx, path: p, dir: true}, name: name, info: fi}, nil
	}
	return &readFile{propHolder: propHolder{fs: f, ctx: ctx, path: p}, info: fi.(pool.Stat)}, nil
}

func (f *poolFS) Mkdir(ctx context.Context, name string, _ os.FileMode) error {
	p := poolPath(name)
	if !strings.Contains(p, "/") {
		return pathErr("mkdir", name, os.ErrPermission) // shares are made by an administrator
	}
	_, err := f.pool.Mkdir(ctx, p, time.Time{})
	return f.st.fail("mkdir", name, err)
}

func (f *poolFS) RemoveAll(ctx context.Context, name string) error {
	p := poolPath(name)
	if !strings.Contains(p, "/") {
		return pathErr("remove", name, os.ErrPermission)
	}
	if f.replacesFile(ctx, name) {
		// The engine deletes a COPY's or MOVE's target first. A file onto a file is
		// replaced atomically by the pool instead, so a copy that fails halfway leaves
		// the old file where it was.
		return nil
	}
	if err := f.pool.Remove(ctx, p); err != nil {
		return f.st.fail("remove", name, err)
	}
	f.locks.dropUnder(name)
	return f.props.deleteAll(ctx, p)
}

func (f *poolFS) Rename(ctx context.Context, oldName, newName string) error {
	from, to := poolPath(oldName), poolPath(newName)
	if !strings.Contains(from, "/") || !strings.Contains(to, "/") {
		return pathErr("rename", oldName, os.ErrPermission)
	}
	if err := f.pool.Rename(ctx, from, to); err != nil {
		return f.st.fail("rename", oldName, err)
	}
	f.locks.dropUnder(oldName)
	return f.props.move(ctx, from, to)
}

// replacesFile reports whether name is the destination of this COPY or MOVE and both it
// and the source are files.
func (f *poolFS) replacesFile(ctx context.Context, name string) bool {
	st := f.st
	if st == nil || (st.method != "COPY" && st.method != "MOVE") || name != st.dst {
		return false
	}
	src, err := f.pool.Stat(ctx, poolPath(st.name))
	if err != nil || src.Dir {
		return false
	}
	dst, err := f.pool.Stat(ctx, poolPath(name))
	return err == nil && !dst.Dir
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// osError maps the pool's errors to the os ones the WebDAV engine decides on.
func osError(err error) error {
	switch {
	case errors.Is(err, pool.ErrNotFound), errors.Is(err, pool.ErrNoShare):
		return os.ErrNotExist
	case errors.Is(err, pool.ErrExist):
		return os.ErrExist
	case errors.Is(err, pool.ErrShareRoot), errors.Is(err, pool.ErrRefused):
		return os.ErrPermission
	}
	return err
}
