package drive

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Local is a drive on a local filesystem.
type Local struct {
	path string
	info Info

	// mu guards the root and tmp folder descriptors: Check replaces them when the disk
	// was mounted again. Operations hold the read lock while they resolve a path.
	mu   sync.RWMutex
	root int
	tmp  int
	lock int // holds the drive's lock (see lockDrive)
	ino  uint64
	dev  uint64
	// xattrat: the kernel has getxattrat(2), so metadata is read without /proc.
	xattrat bool
	// noDirect: the filesystem refused O_DIRECT once; copies go through the page cache.
	noDirect atomic.Bool
	// syncs groups the fsyncs of a folder that copies land in together (dirsync_linux.go).
	syncs dirSyncs
	// windows are the aligned buffers of direct reads (directread_linux.go), *[]byte.
	windows sync.Pool
}

var _ Drive = (*Local)(nil)

// Open opens the drive at path and takes its lock for as long as it is open. It refuses
// a folder without a valid marker (ErrMissing): such a folder is an empty mount point,
// and nothing may be written there; and a drive another process holds (ErrInUse):
// two servers writing one drive would ruin it. Nothing is written before the lock is
// held.
func Open(ctx context.Context, path string) (*Local, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, st, err := openRoot(path)
	if err != nil {
		return nil, err
	}
	m, err := readMarker(root)
	if err != nil {
		unix.Close(root)
		return nil, err
	}
	lock, tmp, err := lockAndPrepare(root, path)
	if err != nil {
		unix.Close(root)
		return nil, err
	}
	return &Local{path: path, info: m.info(path), root: root, tmp: tmp, lock: lock, ino: st.Ino, dev: st.Dev, xattrat: hasGetxattrat(root)}, nil
}

// lockAndPrepare takes the lock of the drive at root, then opens its temp area (made
// if missing).
func lockAndPrepare(root int, path string) (lock, tmp int, err error) {
	if lock, err = lockDrive(root, path); err != nil {
		return -1, -1, err
	}
	// The drive's folder is the server's alone on this machine: its files are plain
	// files, readable by any local account that can reach them, and a share's
	// access is the server's to decide. (Moved to another PC, its administrator reads
	// them still.) A folder the server does not own, or a read-only one, stays as it is.
	if err := unix.Fchmod(root, 0o700); err != nil && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EROFS) {
		closeFD(lock)
		return -1, -1, fmt.Errorf("make drive %s private: %w", path, err)
	}
	if err := mkdirAll(root, tmpDir); err != nil && !errors.Is(err, unix.EROFS) {
		closeFD(lock)
		return -1, -1, fmt.Errorf("open drive %s: %w", path, err)
	}
	if tmp, err = openat(root, tmpDir, unix.O_RDONLY|unix.O_DIRECTORY, 0); err != nil {
		closeFD(lock)
		return -1, -1, fmt.Errorf("open drive %s: %w", path, err)
	}
	return lock, tmp, nil
}

func openRoot(path string) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return -1, st, fmt.Errorf("%w: the folder %s is not there; is the disk plugged in and mounted?", ErrMissing, path)
		}
		return -1, st, &os.PathError{Op: "open drive", Path: path, Err: err}
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, &os.PathError{Op: "stat drive", Path: path, Err: err}
	}
	return fd, st, nil
}

func readMarker(root int) (Marker, error) {
	b, err := readFileAt(root, markerFile, 1<<16)
	if errors.Is(err, unix.ENOENT) {
		return Marker{}, fmt.Errorf("%w: it has no %s; if this is a mount point, the disk is not mounted", ErrMissing, markerFile)
	}
	if err != nil {
		return Marker{}, err
	}
	return parseMarker(b)
}

// Info names the drive as its marker does.
func (d *Local) Info() Info { return d.info }

// Check verifies that the drive's folder holds this drive's marker, and follows the disk
// when it was unmounted and mounted again.
func (d *Local) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	root, st, err := openRoot(d.path)
	if err != nil {
		return err
	}
	m, err := readMarker(root)
	if err == nil && (m.PoolID != d.info.Pool || m.DriveID != d.info.ID) {
		err = fmt.Errorf("%w: %s now holds drive %s of pool %s, not drive %s", ErrForeign, d.path, m.DriveID, m.PoolID, d.info.ID)
	}
	if err != nil {
		unix.Close(root)
		return err
	}
	d.mu.RLock()
	same := st.Ino == d.ino && st.Dev == d.dev
	d.mu.RUnlock()
	if same {
		unix.Close(root)
		return nil
	}
	return d.swapRoot(root, st)
}

// swapRoot adopts a newly opened root after a remount, locking it first: the lock held
// was on the disk as it was mounted before.
func (d *Local) swapRoot(root int, st unix.Stat_t) error {
	lock, tmp, err := lockAndPrepare(root, d.path)
	if err != nil {
		unix.Close(root)
		return err
	}
	d.mu.Lock()
	oldRoot, oldTmp, oldLock := d.root, d.tmp, d.lock
	d.root, d.tmp, d.lock, d.ino, d.dev = root, tmp, lock, st.Ino, st.Dev
	d.mu.Unlock()
	unix.Close(oldRoot)
	unix.Close(oldTmp)
	closeFD(oldLock)
	return nil
}

// Usage reports the drive's size and free space.
func (d *Local) Usage(ctx context.Context) (Usage, error) {
	if err := ctx.Err(); err != nil {
		return Usage{}, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	var s unix.Statfs_t
	if err := unix.Fstatfs(d.root, &s); err != nil {
		return Usage{}, pathErr("statfs", d.path, err)
	}
	return Usage{Total: s.Blocks * uint64(s.Bsize), Free: s.Bavail * uint64(s.Bsize)}, nil
}

// Close releases the drive's descriptors, and with them its lock.
func (d *Local) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	unix.Close(d.tmp)
	closeFD(d.lock)
	return pathErr("close", d.path, unix.Close(d.root))
}

// closeFD closes a descriptor that may be -1 (none).
func closeFD(fd int) {
	if fd >= 0 {
		unix.Close(fd)
	}
}

// withRoot runs fn with the root descriptor held steady.
func (d *Local) withRoot(fn func(root int) error) error {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return fn(d.root)
}

func readFileAt(dirfd int, rel string, limit int64) ([]byte, error) {
	fd, err := openat(dirfd, rel, unix.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %s: larger than %d bytes", rel, limit)
	}
	return b, nil
}

// writeFileAtomic replaces rel (in the drive's own area) with data: temp file, fsync,
// rename, folder fsync, so a crash leaves the old content or the new.
func writeFileAtomic(root, tmp int, rel string, data []byte, mode uint32) error {
	name := tempName()
	fd, err := unix.Openat(tmp, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, mode)
	if err != nil {
		return pathErr("create", tmpDir+"/"+name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		unix.Unlinkat(tmp, name, 0)
		return fmt.Errorf("write %s: %w", rel, err)
	}
	parent, base, err := openParent(root, rel)
	if err != nil {
		unix.Unlinkat(tmp, name, 0)
		return err
	}
	defer parent.close()
	if err := unix.Renameat(tmp, name, int(parent), base); err != nil {
		unix.Unlinkat(tmp, name, 0)
		return pathErr("rename", rel, err)
	}
	return parent.sync(rel)
}

func tempName() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:]) + ".part"
}

// Init makes the folder at path a drive of pool poolID, or returns the marker already
// there when it belongs to this pool. It refuses a folder of another pool (ErrForeign) and
// a filesystem that cannot hold the metadata the pool keeps (ErrUnsupported).
func Init(ctx context.Context, path, poolID, driveID, label string) (Marker, error) {
	if err := ctx.Err(); err != nil {
		return Marker{}, err
	}
	root, _, err := openRoot(path)
	if err != nil {
		return Marker{}, err
	}
	defer unix.Close(root)
	if m, err := readMarker(root); err == nil {
		if m.PoolID != poolID {
			return m, fmt.Errorf("%w: %s is a drive of pool %s; remove it there first, or delete its .hearth folder if that pool is gone",
				ErrForeign, path, m.PoolID)
		}
		return m, nil
	} else if !errors.Is(err, ErrMissing) {
		return Marker{}, fmt.Errorf("%s has a damaged marker; move its .hearth folder away to add it again: %w", path, err)
	}
	for _, dir := range []string{tmpDir, versionsDir, dataDir} {
		if err := mkdirAll(root, dir); err != nil {
			return Marker{}, fmt.Errorf("prepare drive %s: %w", path, err)
		}
	}
	if err := probeXattr(root); err != nil {
		return Marker{}, fmt.Errorf("drive %s: %w; format it as ext4, XFS or btrfs", path, err)
	}
	m := Marker{Format: markerFormat, PoolID: poolID, DriveID: driveID, Label: label, Created: time.Now().UTC()}
	b, _ := json.MarshalIndent(m, "", "  ")
	tmp, err := openat(root, tmpDir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return Marker{}, err
	}
	defer unix.Close(tmp)
	// The marker is written last: a folder with a marker is a complete drive.
	return m, writeFileAtomic(root, tmp, markerFile, append(b, '\n'), 0o644)
}

func probeXattr(root int) error {
	name := tmpDir + "/" + tempName()
	fd, err := openat(root, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer unix.Unlinkat(root, name, 0)
	defer unix.Close(fd)
	return setMetaFD(fd, Meta{Gen: 1}, File)
}
