package drive

import (
	"os"

	"golang.org/x/sys/unix"
)

// DirectFile is a ReadFile that can read from the disk itself, past the page cache
// (O_DIRECT). A scrub reads that way: it checks what the disk holds rather than what
// memory kept of it, leaves the family's files in the cache, and spares the kernel's
// copy out of the cache (half of a scrub's CPU time when the disk is fast).
type DirectFile interface {
	ReadFile
	// Direct makes the reads from now on go past the page cache; they then need a
	// buffer from AlignedBuffer, and a length that is a multiple of DirectAlign. An
	// error (a filesystem that cannot) leaves the file reading through the cache.
	Direct() error
}

var _ DirectFile = (*localFile)(nil)

func (f *localFile) Direct() error {
	// F_SETFL replaces the status flags; the file has none set (openFile cleared
	// O_NONBLOCK), and the access mode is not among them.
	if _, err := unix.FcntlInt(f.Fd(), unix.F_SETFL, unix.O_DIRECT); err != nil {
		return &os.PathError{Op: "read directly", Path: f.Name(), Err: err}
	}
	return nil
}
