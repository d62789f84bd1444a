package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// Adopt links a staged file into the temp area as a pending copy of path. The staged
// file keeps its name: if the commit never happens (a failure, a crash and CleanTemp),
// it is as it was, and can be adopted again.
func (d *Local) Adopt(ctx context.Context, path, staged string) (Pending, ReadFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if err := checkPath(path); err != nil {
		return nil, nil, err
	}
	if staged == "" || strings.HasPrefix(staged, "/") || strings.HasPrefix(staged, "..") || pathClean(staged) != staged {
		return nil, nil, fmt.Errorf("adopt %q: %w: not a name in the staging area", staged, ErrUnsafe)
	}
	rel := stagingDir + "/" + staged
	d.mu.RLock()
	defer d.mu.RUnlock()
	dir, base, err := openParent(d.root, rel)
	if err != nil {
		return nil, nil, err
	}
	defer dir.close()
	name := tempName()
	// Without AT_SYMLINK_FOLLOW a link planted at the staged name is linked as itself,
	// and refused below as not a plain file.
	if err := unix.Linkat(int(dir), base, d.tmp, name, 0); err != nil {
		return nil, nil, pathErr("link", rel, err)
	}
	p, r, err := d.openAdopted(path, rel, name)
	if err != nil {
		unix.Unlinkat(d.tmp, name, 0)
		return nil, nil, err
	}
	return p, r, nil
}

// openAdopted opens the link name in the temp area, checks it is the staged file's only
// other name, and gives it the mode of the drive's files (staged data is private).
func (d *Local) openAdopted(path, rel, name string) (*pending, ReadFile, error) {
	fd, err := unix.Openat(d.tmp, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, pathErr("open", rel, err)
	}
	var st unix.Stat_t
	err = unix.Fstat(fd, &st)
	switch {
	case err != nil:
		err = pathErr("stat", rel, err)
	case kindOf(st.Mode) != File:
		err = fmt.Errorf("adopt %s: %w: it is not a plain file", rel, ErrUnsafe)
	case st.Nlink != 2:
		err = fmt.Errorf("adopt %s: %w (%d links)", rel, ErrShared, st.Nlink)
	default:
		err = pathErr("chmod", rel, unix.Fchmod(fd, 0o644))
	}
	if err != nil {
		unix.Close(fd)
		return nil, nil, err
	}
	rfd, err := unix.Openat(d.tmp, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(fd)
		return nil, nil, pathErr("open", rel, err)
	}
	p := &pending{d: d, path: path, name: name, f: os.NewFile(uintptr(fd), name), n: st.Size, adopted: true}
	return p, os.NewFile(uintptr(rfd), rel), nil
}

// errAdopted: an adopted copy's content is the staged file's; nothing is written to it.
var errAdopted = errors.New("an adopted copy takes no writes")

func pathClean(p string) string { return path.Clean(p) }
