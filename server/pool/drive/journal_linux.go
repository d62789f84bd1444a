package drive

import (
	"bytes"
	"context"
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

const (
	maxConfig     = 16 << 20
	maxTombstones = 512 << 20
)

// ReadConfig returns the pool configuration mirrored on this drive, or fs.ErrNotExist.
func (d *Local) ReadConfig(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var b []byte
	err := d.withRoot(func(root int) error {
		var err error
		b, err = readFileAt(root, configFile, maxConfig)
		return err
	})
	return b, err
}

// WriteConfig replaces the mirrored configuration atomically. Only the server's user may
// read it: it holds the users' password hashes.
func (d *Local) WriteConfig(ctx context.Context, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.withRoot(func(root int) error { return writeFileAtomic(root, d.tmp, configFile, data, 0o600) })
}

// AppendTombstones adds deletes to the drive's log and makes them durable.
func (d *Local) AppendTombstones(ctx context.Context, ts []Tombstone) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, t := range ts {
		buf.Write(FormatTombstone(t))
	}
	return d.withRoot(func(root int) error {
		fd, err := openat(root, tombFile, unix.O_WRONLY|unix.O_APPEND|unix.O_CREAT, 0o644)
		if err != nil {
			return err
		}
		f := os.NewFile(uintptr(fd), tombFile)
		defer f.Close()
		if _, err := f.Write(buf.Bytes()); err != nil {
			return err
		}
		return f.Sync()
	})
}

// ReadTombstones returns the drive's log; a torn or foreign line is skipped.
func (d *Local) ReadTombstones(ctx context.Context) ([]Tombstone, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var b []byte
	err := d.withRoot(func(root int) error {
		var err error
		b, err = readFileAt(root, tombFile, maxTombstones)
		return err
	})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseTombstones(b), nil
}

// ClearTombstones empties the log.
func (d *Local) ClearTombstones(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.withRoot(func(root int) error { return writeFileAtomic(root, d.tmp, tombFile, nil, 0o644) })
}

// CleanTemp removes everything left in the temp area.
func (d *Local) CleanTemp(ctx context.Context) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	names, err := readNames(dirFD(d.tmp), tmpDir)
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := unix.Unlinkat(d.tmp, name, 0); err != nil && err != unix.ENOENT {
			return pathErr("clean", tmpDir+"/"+name, err)
		}
	}
	return dirFD(d.tmp).sync(tmpDir)
}

// Release removes the pool's records and empty folders, the marker last.
func (d *Local) Release(ctx context.Context) error {
	if err := d.CleanTemp(ctx); err != nil {
		return err
	}
	return d.withRoot(func(root int) error {
		for _, area := range []string{dataDir, versionsDir} {
			if err := removeEmptyTree(ctx, root, area); err != nil {
				return err
			}
		}
		for _, f := range []string{tombFile, configFile, lockFile} {
			if err := unix.Unlinkat(root, f, 0); err != nil && err != unix.ENOENT {
				return pathErr("remove", f, err)
			}
		}
		unix.Unlinkat(root, tmpDir, unix.AT_REMOVEDIR)
		if err := unix.Unlinkat(root, markerFile, 0); err != nil && err != unix.ENOENT {
			return pathErr("remove", markerFile, err)
		}
		unix.Unlinkat(root, metaDir, unix.AT_REMOVEDIR)
		return dirFD(root).sync(".")
	})
}

// removeEmptyTree removes rel and every folder below it that holds nothing but folders.
func removeEmptyTree(ctx context.Context, root int, rel string) error {
	dir, err := openDir(root, rel)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	names, err := readNames(dir, rel)
	dir.close()
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		var st unix.Stat_t
		if unix.Fstatat(root, rel+"/"+name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && kindOf(st.Mode) == Dir {
			if err := removeEmptyTree(ctx, root, rel+"/"+name); err != nil {
				return err
			}
		}
	}
	if err := unix.Unlinkat(root, rel, unix.AT_REMOVEDIR); err != nil && err != unix.ENOTEMPTY && err != unix.EEXIST {
		return pathErr("remove", rel, err)
	}
	return nil
}
