package drive

import (
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// versionName is the name a version of base at generation gen has in the versions area.
func versionName(base string, gen uint64) string {
	return base + "~v" + strconv.FormatUint(gen, 10)
}

// parseVersionName splits "name~v123" into "name" and 123.
func parseVersionName(name string) (string, uint64, bool) {
	i := strings.LastIndex(name, "~v")
	if i <= 0 {
		return "", 0, false
	}
	digits := name[i+2:]
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return "", 0, false
	}
	gen, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return name[:i], gen, true
}

// openVersionDir opens (making it when needed) the versions folder for path.
func (d *Local) openVersionDir(root int, p string, gen uint64) (dirFD, string, error) {
	rel := versionsDir + "/" + p
	if err := mkdirAll(root, path.Dir(rel)); err != nil {
		return -1, "", err
	}
	dir, base, err := openParent(root, rel)
	return dir, versionName(base, gen), err
}

func (d *Local) versionRel(p string, gen uint64) string {
	dir, base := path.Split(p)
	return versionsDir + "/" + dir + versionName(base, gen)
}

// OpenVersion opens a kept version.
func (d *Local) OpenVersion(ctx context.Context, p string, gen uint64) (ReadFile, error) {
	if err := checkPath(p); err != nil {
		return nil, err
	}
	return d.openFile(ctx, d.versionRel(p, gen), p)
}

// RemoveVersion deletes a kept version.
func (d *Local) RemoveVersion(ctx context.Context, p string, gen uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkPath(p); err != nil {
		return err
	}
	return d.withRoot(func(root int) error {
		rel := d.versionRel(p, gen)
		parent, base, err := openParent(root, rel)
		if err != nil {
			return err
		}
		defer parent.close()
		if err := unix.Unlinkat(int(parent), base, 0); err != nil {
			return pathErr("remove version", rel, err)
		}
		return parent.sync(rel)
	})
}

// PutVersion writes a version copied from another drive.
func (d *Local) PutVersion(ctx context.Context, p string, gen uint64, mtime time.Time, meta Meta, r io.Reader) error {
	pf, err := d.Create(ctx, p, -1)
	if err != nil {
		return err
	}
	pd := pf.(*pending)
	defer pd.Abort()
	if _, err := io.Copy(pd, r); err != nil {
		return err
	}
	if err := pd.Finish(ctx, mtime, meta); err != nil {
		return err
	}
	pd.closed = true
	if err := pd.f.Close(); err != nil {
		return pathErr("close", p, err)
	}
	return d.withRoot(func(root int) error {
		vdir, vbase, err := d.openVersionDir(root, p, gen)
		if err != nil {
			return err
		}
		defer vdir.close()
		if err := unix.Renameat(d.tmp, pd.name, int(vdir), vbase); err != nil {
			return pathErr("store version", p, err)
		}
		pd.renamed, pd.done = true, true
		return vdir.sync(p)
	})
}

// WalkVersions reports every kept version.
func (d *Local) WalkVersions(ctx context.Context, fn func(Entry) error) error {
	return d.walkArea(ctx, versionsDir, "", func(e Entry) error {
		if e.Kind != File {
			return nil
		}
		dir, base := path.Split(e.Path)
		name, gen, ok := parseVersionName(base)
		if !ok {
			return nil // not ours; leave it alone
		}
		e.Path, e.Version = dir+name, gen
		if checkPath(e.Path) != nil {
			return nil
		}
		return fn(e)
	})
}

func (d *Local) String() string { return fmt.Sprintf("drive %s (%s)", d.info.Label, d.path) }
