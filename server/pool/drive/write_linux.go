package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Create starts a copy in the temp area, written through the page cache.
func (d *Local) Create(ctx context.Context, path string, sizeHint int64) (Pending, error) {
	return d.create(ctx, path, sizeHint, false)
}

// CreateDirect starts a copy that, once it is large enough, is written past the page
// cache (direct_linux.go).
func (d *Local) CreateDirect(ctx context.Context, path string, sizeHint int64) (Pending, error) {
	return d.create(ctx, path, sizeHint, true)
}

func (d *Local) create(ctx context.Context, path string, sizeHint int64, direct bool) (Pending, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}
	d.mu.RLock()
	tmp := d.tmp
	name := tempName()
	fd, err := unix.Openat(tmp, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o644)
	d.mu.RUnlock()
	if err != nil {
		return nil, pathErr("create", tmpDir+"/"+name, err)
	}
	p := &pending{d: d, path: path, name: name, f: os.NewFile(uintptr(fd), name), hint: sizeHint, mayDirect: direct}
	if sizeHint >= reserveFrom {
		// KEEP_SIZE reserves the blocks without changing the length, so a short upload
		// never leaves zeros at the end of the file. A copy written with O_DIRECT gets
		// its length now: writes within it can run in parallel (an extending one holds
		// the file's lock until it is on the disk), and Finish cuts a short one to size.
		mode := uint32(unix.FALLOC_FL_KEEP_SIZE)
		if direct && sizeHint >= DirectFrom && !d.noDirect.Load() {
			mode = 0
		}
		err := unix.Fallocate(fd, mode, 0, sizeHint)
		if err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
			p.Abort()
			return nil, pathErr("reserve space for", path, err)
		}
	}
	return p, nil
}

// reserveFrom is the size from which a copy's space is reserved up front. A smaller file
// is written in one go and its blocks are allocated together anyway; reserving them
// cost a system call and a conversion of unwritten extents at the fsync.
const reserveFrom = 1 << 20

type pending struct {
	d       *Local
	path    string
	name    string
	f       *os.File
	n       int64
	hint    int64
	done    bool // committed or aborted
	closed  bool
	renamed bool
	adopted bool // a staged file linked in (adopt_linux.go): its content is there already
	direct  bool // O_DIRECT is set on f (direct_linux.go)
	// mayDirect: the copy may be written with O_DIRECT once it is large enough
	// (CreateDirect).
	mayDirect bool
}

func (p *pending) Write(b []byte) (int, error) {
	if p.adopted {
		return 0, pathErr("write", p.path, errAdopted)
	}
	k, err := p.writeDirect(b)
	p.n += int64(k)
	if err != nil {
		return k, pathErr("write", p.path, err)
	}
	if k == len(b) {
		return k, nil
	}
	if p.direct {
		if err := p.setDirect(false); err != nil {
			return k, pathErr("write", p.path, err)
		}
	}
	n, err := p.f.WriteAt(b[k:], p.n) // at p.n: direct writes do not move the file offset
	p.n += int64(n)
	if err != nil {
		return k + n, pathErr("write", p.path, unwrapPathErr(err))
	}
	return k + n, nil
}

func (p *pending) Finish(ctx context.Context, mtime time.Time, meta Meta) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fd := int(p.f.Fd())
	if p.hint > p.n {
		if err := unix.Ftruncate(fd, p.n); err != nil { // drops the unused reservation
			return pathErr("truncate", p.path, err)
		}
	}
	if err := setMetaFD(fd, meta, File); err != nil {
		return pathErr("set metadata on", p.path, err)
	}
	ts := []unix.Timespec{unix.NsecToTimespec(mtime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	p.d.mu.RLock()
	err := unix.UtimesNanoAt(p.d.tmp, p.name, ts, unix.AT_SYMLINK_NOFOLLOW)
	p.d.mu.RUnlock()
	if err != nil {
		return pathErr("set time on", p.path, err)
	}
	if err := p.f.Sync(); err != nil {
		return pathErr("sync", p.path, unwrapPathErr(err))
	}
	return nil
}

func (p *pending) Commit(ctx context.Context, keepOld bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !p.closed {
		p.closed = true
		if err := p.f.Close(); err != nil {
			return pathErr("close", p.path, unwrapPathErr(err))
		}
	}
	err := p.d.withRoot(func(root int) error {
		rel := dataDir + "/" + p.path
		parent, base, err := openParent(root, rel)
		if err != nil {
			return err
		}
		defer parent.close()
		if keepOld {
			if err := p.d.keepVersion(root, parent, base, p.path, true); err != nil {
				return err
			}
		}
		if err := unix.Renameat(p.d.tmp, p.name, int(parent), base); err != nil {
			return pathErr("rename into", rel, err)
		}
		p.renamed = true
		return p.d.syncs.sync(parent, rel)
	})
	if err != nil {
		return err
	}
	p.done = true
	return nil
}

func (p *pending) Abort() error {
	if p.done {
		return nil
	}
	p.done = true
	if !p.closed {
		p.closed = true
		p.f.Close()
	}
	if p.renamed {
		return nil
	}
	p.d.mu.RLock()
	defer p.d.mu.RUnlock()
	if err := unix.Unlinkat(p.d.tmp, p.name, 0); err != nil && err != unix.ENOENT {
		return pathErr("remove", tmpDir+"/"+p.name, err)
	}
	return nil
}

// keepVersion preserves the file at base (if any) in the versions area. With link set, it
// hard-links so the path never goes empty: the rename that follows replaces it atomically.
func (d *Local) keepVersion(root int, parent dirFD, base, path string, link bool) error {
	st, err := lstatAt(parent, base)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return pathErr("stat", path, err)
	}
	switch kindOf(st.Mode) {
	case Dir:
		return pathErr("replace", path, unix.EISDIR)
	case Other:
		return fmt.Errorf("replace %s: %w: it is not a plain file", path, ErrUnsafe)
	}
	meta, hasMeta := d.metaAt(parent, base, File)
	vdir, vbase, err := d.openVersionDir(root, path, meta.Gen)
	if err != nil {
		return err
	}
	defer vdir.close()
	if link {
		err = unix.Linkat(int(parent), base, int(vdir), vbase, 0)
		if err == unix.EPERM || err == unix.EOPNOTSUPP || err == unix.EMLINK {
			link = false // no hard links here: a plain move, then the rename fills the gap
		}
	}
	if !link {
		err = unix.Renameat2(int(parent), base, int(vdir), vbase, unix.RENAME_NOREPLACE)
		if err == unix.EEXIST {
			// A version of this generation is kept already (a retried delete). The copy is
			// redundant only if it is the same content; otherwise both stay.
			kept, ok := d.metaAt(vdir, vbase, File)
			if !ok || !hasMeta || kept != meta {
				return fmt.Errorf("keep previous version of %s: %w: another content of generation %d is kept already",
					path, ErrNotEmpty, meta.Gen)
			}
			err = unix.Unlinkat(int(parent), base, 0)
		}
	}
	if err != nil && err != unix.EEXIST {
		return pathErr("keep previous version of", path, err)
	}
	return vdir.sync(path)
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
