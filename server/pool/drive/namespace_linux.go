package drive

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/server/pool/safepath"
	"golang.org/x/sys/unix"
)

func checkPath(path string) error {
	_, err := safepath.Clean(path)
	return err
}

// onItem resolves path's parent and runs fn with it, holding the root steady.
func (d *Local) onItem(ctx context.Context, path string, fn func(root int, parent dirFD, base string) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkPath(path); err != nil {
		return err
	}
	return d.withRoot(func(root int) error {
		parent, base, err := openParent(root, dataDir+"/"+path)
		if err != nil {
			return err
		}
		defer parent.close()
		return fn(root, parent, base)
	})
}

// Mkdir makes one folder with its generation and time.
func (d *Local) Mkdir(ctx context.Context, path string, mtime time.Time, gen uint64) error {
	return d.onItem(ctx, path, func(_ int, parent dirFD, base string) error {
		err := unix.Mkdirat(int(parent), base, 0o755)
		if err == unix.EEXIST {
			st, serr := lstatAt(parent, base)
			if serr == nil && kindOf(st.Mode) == Dir {
				return nil
			}
			return pathErr("mkdir", path, unix.ENOTDIR)
		}
		if err != nil {
			return pathErr("mkdir", path, err)
		}
		if err := stampItem(parent, base, path, Dir, func(m *Meta) { m.Gen = gen }, &mtime); err != nil {
			return err
		}
		return parent.sync(path)
	})
}

// stampItem opens base (never through a link), updates its metadata with edit, sets its
// time if mtime is given, and syncs it. The time is set after the metadata, because setting
// an attribute does not change the modification time but a careless order could.
func stampItem(parent dirFD, base, path string, kind Kind, edit func(*Meta), mtime *time.Time) error {
	flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK
	if kind == Dir {
		flags |= unix.O_DIRECTORY
	}
	fd, err := openat(int(parent), base, flags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if edit != nil {
		m, _ := getMetaFD(fd, kind)
		edit(&m)
		if err := setMetaFD(fd, m, kind); err != nil {
			return pathErr("set metadata on", path, err)
		}
	}
	if mtime != nil {
		ts := []unix.Timespec{unix.NsecToTimespec(mtime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
		if err := unix.UtimesNanoAt(int(parent), base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return pathErr("set time on", path, err)
		}
	}
	return pathErr("sync", path, unix.Fsync(fd))
}

// SetTimes sets the modification time of a file or folder.
func (d *Local) SetTimes(ctx context.Context, path string, mtime time.Time) error {
	return d.stamp(ctx, path, "set time on", nil, &mtime)
}

// stamp applies stampItem to the file or folder at path, never to a link.
func (d *Local) stamp(ctx context.Context, path, op string, edit func(*Meta), mtime *time.Time) error {
	return d.onItem(ctx, path, func(_ int, parent dirFD, base string) error {
		st, err := lstatAt(parent, base)
		if err != nil {
			return pathErr("stat", path, err)
		}
		k := kindOf(st.Mode)
		if k == Other {
			return fmt.Errorf("%s %s: %w", op, path, ErrUnsafe)
		}
		return stampItem(parent, base, path, k, edit, mtime)
	})
}

// Rename moves a file or folder and stamps it with gen.
func (d *Local) Rename(ctx context.Context, from, to string, gen uint64) error {
	if err := checkPath(to); err != nil {
		return err
	}
	return d.onItem(ctx, from, func(root int, src dirFD, srcBase string) error {
		st, err := lstatAt(src, srcBase)
		if err != nil {
			return pathErr("stat", from, err)
		}
		kind := kindOf(st.Mode)
		if kind == Other {
			return fmt.Errorf("rename %s: %w", from, ErrUnsafe)
		}
		dst, dstBase, err := openParent(root, dataDir+"/"+to)
		if err != nil {
			return err
		}
		defer dst.close()
		// Stamp first: a crash between the two steps then leaves an item that is as new as
		// the rename, never an old one sitting over a newer file it replaced.
		if err := stampItem(src, srcBase, from, kind, func(m *Meta) { m.Gen = gen }, nil); err != nil {
			return err
		}
		if kind == File {
			if err := d.keepVersion(root, dst, dstBase, to, true); err != nil {
				return err
			}
		}
		if err := unix.Renameat(int(src), srcBase, int(dst), dstBase); err != nil {
			return pathErr("rename to "+to+" from", from, err)
		}
		if err := dst.sync(to); err != nil {
			return err
		}
		return src.sync(from)
	})
}

// Retire moves a file into the versions area.
func (d *Local) Retire(ctx context.Context, path string) error {
	return d.onItem(ctx, path, func(root int, parent dirFD, base string) error {
		st, err := lstatAt(parent, base)
		if err != nil {
			return pathErr("stat", path, err)
		}
		if kindOf(st.Mode) != File {
			return fmt.Errorf("keep version of %s: not a plain file: %w", path, ErrUnsafe)
		}
		if err := d.keepVersion(root, parent, base, path, false); err != nil {
			return err
		}
		return parent.sync(path)
	})
}

// Remove deletes a file or an empty folder.
func (d *Local) Remove(ctx context.Context, path string) error {
	return d.onItem(ctx, path, func(_ int, parent dirFD, base string) error {
		st, err := lstatAt(parent, base)
		if err != nil {
			return pathErr("stat", path, err)
		}
		flags := 0
		if kindOf(st.Mode) == Dir {
			flags = unix.AT_REMOVEDIR
		}
		if err := unix.Unlinkat(int(parent), base, flags); err != nil {
			if err == unix.ENOTEMPTY || err == unix.EEXIST {
				return fmt.Errorf("remove %s: %w", path, ErrNotEmpty)
			}
			return pathErr("remove", path, err)
		}
		return parent.sync(path)
	})
}

// SetMeta stamps an item with metadata.
func (d *Local) SetMeta(ctx context.Context, path string, meta Meta) error {
	return d.stamp(ctx, path, "set metadata on", func(m *Meta) { *m = meta }, nil)
}
