package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"golang.org/x/sys/unix"
)

// Open opens a file copy for reading.
func (d *Local) Open(ctx context.Context, path string) (ReadFile, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	return d.openFile(ctx, dataDir+"/"+path, path)
}

func (d *Local) openFile(ctx context.Context, rel, path string) (ReadFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var fd int
	err := d.withRoot(func(root int) error {
		var err error
		fd, err = openat(root, rel, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, pathErr("stat", path, err)
	}
	if kindOf(st.Mode) != File {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: not a plain file: %w", path, ErrUnsafe)
	}
	// O_NONBLOCK only guarded the open against a planted FIFO; reads must block. One
	// F_SETFL clears it (SetNonblock would read the flags first): no other flag that
	// F_SETFL changes was asked for.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, 0); err != nil {
		unix.Close(fd)
		return nil, pathErr("open", path, err)
	}
	return newLocalFile(d, fd, rel, path, &st), nil
}

// Stat describes one item.
func (d *Local) Stat(ctx context.Context, path string) (Entry, error) {
	var e Entry
	err := d.onItem(ctx, path, func(_ int, parent dirFD, base string) error {
		st, err := lstatAt(parent, base)
		if err != nil {
			return pathErr("stat", path, err)
		}
		e = entryOf(path, &st)
		if e.Kind != Other {
			e.Meta, e.HasMeta = d.metaAt(parent, base, e.Kind)
		}
		return nil
	})
	return e, err
}

func entryOf(path string, st *unix.Stat_t) Entry {
	return Entry{
		Path:    path,
		Kind:    kindOf(st.Mode),
		Size:    st.Size,
		ModTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec),
		Changed: time.Unix(st.Ctim.Sec, st.Ctim.Nsec),
	}
}

// Walk reports path and everything below it; "" walks all shares.
func (d *Local) Walk(ctx context.Context, path string, fn func(Entry) error) error {
	if path != "" {
		if err := checkPath(path); err != nil {
			return err
		}
	}
	return d.walkArea(ctx, dataDir, path, fn)
}

// walkArea walks the folder area/path, reporting namespace paths relative to area.
func (d *Local) walkArea(ctx context.Context, area, path string, fn func(Entry) error) error {
	var start dirFD
	err := d.withRoot(func(root int) error {
		var err error
		start, err = openDir(root, area)
		return err
	})
	if err != nil {
		return err
	}
	defer start.close()
	if path == "" {
		return d.walkDir(ctx, start, "", fn)
	}
	e, err := d.statIn(start, path)
	if err != nil {
		return err
	}
	if err := fn(e); err != nil || e.Kind != Dir {
		if errors.Is(err, SkipDir) {
			return nil
		}
		return err
	}
	dir, err := openDir(int(start), path)
	if err != nil {
		return err
	}
	defer dir.close()
	return d.walkDir(ctx, dir, path, fn)
}

func (d *Local) statIn(dir dirFD, path string) (Entry, error) {
	parent, base, err := openParent(int(dir), path)
	if err != nil {
		return Entry{}, err
	}
	defer parent.close()
	st, err := lstatAt(parent, base)
	if err != nil {
		return Entry{}, pathErr("stat", path, err)
	}
	e := entryOf(path, &st)
	if e.Kind != Other {
		e.Meta, e.HasMeta = d.metaAt(parent, base, e.Kind)
	}
	return e, nil
}

// walkDir reports the contents of the open folder dir, whose path is prefix.
func (d *Local) walkDir(ctx context.Context, dir dirFD, prefix string, fn func(Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	names, err := readNames(dir, prefix)
	if err != nil {
		return err
	}
	for _, name := range names {
		p := name
		if prefix != "" {
			p = prefix + "/" + name
		}
		st, err := lstatAt(dir, name)
		if err == unix.ENOENT {
			continue // removed while we walked
		}
		if err != nil {
			return pathErr("stat", p, err)
		}
		e := entryOf(p, &st)
		if e.Kind != Other {
			e.Meta, e.HasMeta = d.metaAt(dir, name, e.Kind)
		}
		if err := d.walkEntry(ctx, dir, name, e, fn); err != nil {
			return err
		}
	}
	return nil
}

func (d *Local) walkEntry(ctx context.Context, dir dirFD, name string, e Entry, fn func(Entry) error) error {
	err := fn(e)
	if errors.Is(err, SkipDir) {
		return nil
	}
	if err != nil || e.Kind != Dir {
		return err
	}
	sub, err := openDir(int(dir), name)
	if err != nil {
		return err
	}
	defer sub.close()
	return d.walkDir(ctx, sub, e.Path, fn)
}

// readNames lists a folder. It dups the descriptor because os.File takes ownership.
func readNames(dir dirFD, prefix string) ([]string, error) {
	fd, err := unix.Dup(int(dir))
	if err != nil {
		return nil, pathErr("list", prefix, err)
	}
	f := os.NewFile(uintptr(fd), prefix)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, pathErr("list", prefix, unwrapPathErr(err))
	}
	// In order of name, a walk reports paths nearly in the index's order (its B-tree is
	// keyed by path): a rebuild's inserts then land beside each other instead of on
	// random pages, which at a million files is the difference between the page cache
	// holding the pages written to and reading and writing a random page per file.
	slices.Sort(names)
	return names, nil
}
