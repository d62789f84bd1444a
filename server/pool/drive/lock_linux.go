package drive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// lockFile is locked (flock, exclusive) by the process that uses the drive, for as long
// as it does. The kernel drops the lock when the process ends, however it ends, so a
// killed server never leaves its drives locked.
const lockFile = metaDir + "/lock"

// lockDrive takes the drive's lock on the open root, or fails with ErrInUse naming the
// holder. The holder's process and host are written into the file for that message.
func lockDrive(root int, path string) (int, error) {
	fd, err := openat(root, lockFile, unix.O_RDWR|unix.O_CREAT, 0o600)
	if errors.Is(err, unix.EROFS) {
		// A disk mounted read-only (after errors, or to rescue it) is still read: nobody
		// can write it, so a lock that cannot be made is no loss; one there is honoured.
		if fd, err = openat(root, lockFile, unix.O_RDONLY, 0); errors.Is(err, unix.ENOENT) {
			return -1, nil
		}
	}
	if err != nil {
		return -1, fmt.Errorf("lock drive %s: %w", path, err)
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err != unix.EINTR {
			break
		}
	}
	if err == unix.EWOULDBLOCK {
		holder := holderOf(fd)
		unix.Close(fd)
		return -1, fmt.Errorf("the drive at %s is used by %s; stop that server first, or give this one drives of its own (%w)", path, holder, ErrInUse)
	}
	if err != nil {
		unix.Close(fd)
		return -1, pathErr("lock", path+"/"+lockFile, err)
	}
	host, _ := os.Hostname()
	note := fmt.Sprintf("hearthd process %d on %s\n", os.Getpid(), host)
	if err := unix.Ftruncate(fd, 0); err == nil { // fails on a read-only disk: no matter
		unix.Pwrite(fd, []byte(note), 0) // only for the message above; the lock is what counts
	}
	return fd, nil
}

// holderOf reads who holds the lock, as its holder wrote it.
func holderOf(fd int) string {
	b := make([]byte, 256)
	n, _ := unix.Pread(fd, b, 0)
	s := strings.TrimSpace(string(bytes.ToValidUTF8(b[:max(n, 0)], nil)))
	if s == "" {
		return "another Hearth server"
	}
	return "another Hearth server (" + s + ")"
}

// Probed is what Probe finds in a folder.
type Probed struct {
	Info Info
	// Config is the drive's copy of its pool's configuration (nil when it has none).
	Config []byte
}

// Probe reads a folder's marker and pool configuration without opening it as a drive:
// it takes no lock and writes nothing, so it may look at a drive another server uses.
// It fails like Open on a folder that is no drive.
func Probe(ctx context.Context, path string) (Probed, error) {
	if err := ctx.Err(); err != nil {
		return Probed{}, err
	}
	root, _, err := openRoot(path)
	if err != nil {
		return Probed{}, err
	}
	defer unix.Close(root)
	m, err := readMarker(root)
	if err != nil {
		return Probed{}, err
	}
	cfg, err := readFileAt(root, configFile, maxConfig)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return Probed{}, err
	}
	return Probed{Info: m.info(path), Config: cfg}, nil
}
