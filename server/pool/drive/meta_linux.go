package drive

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	metaAttr    = "user.hearth"
	metaFormat  = 1
	metaDirLen  = 1 + 8
	metaFileLen = 1 + 8 + 32
)

func encodeMeta(m Meta, kind Kind) []byte {
	n := metaDirLen
	if kind == File {
		n = metaFileLen
	}
	b := make([]byte, n)
	b[0] = metaFormat
	binary.BigEndian.PutUint64(b[1:9], m.Gen)
	if kind == File {
		copy(b[9:], m.Hash[:])
	}
	return b
}

// decodeMeta reads the attribute; anything malformed counts as absent, because the item is
// then treated as copied in by hand, which is safe: it is hashed and adopted or compared.
func decodeMeta(b []byte, kind Kind) (Meta, bool) {
	var m Meta
	want := metaDirLen
	if kind == File {
		want = metaFileLen
	}
	if len(b) != want || b[0] != metaFormat {
		return m, false
	}
	m.Gen = binary.BigEndian.Uint64(b[1:9])
	if kind == File {
		copy(m.Hash[:], b[9:])
	}
	return m, true
}

func setMetaFD(fd int, m Meta, kind Kind) error {
	err := unix.Fsetxattr(fd, metaAttr, encodeMeta(m, kind), 0)
	if errors.Is(err, unix.ENOTSUP) {
		return fmt.Errorf("%w: it cannot store extended attributes", ErrUnsupported)
	}
	return err
}

func getMetaFD(fd int, kind Kind) (Meta, bool) {
	var buf [metaFileLen + 1]byte
	n, err := unix.Fgetxattr(fd, metaAttr, buf[:])
	if err != nil {
		return Meta{}, false
	}
	return decodeMeta(buf[:n], kind)
}

// metaAt reads the metadata of name in dirfd without opening it (one system call, which
// matters when a rebuild walks a million files).
func (d *Local) metaAt(dirfd dirFD, name string, kind Kind) (Meta, bool) {
	var buf [metaFileLen + 1]byte
	var n int
	var err error
	if d.xattrat {
		n, err = getxattrat(dirfd, name, buf[:])
	} else {
		n, err = unix.Lgetxattr(procPath(dirfd, name), metaAttr, buf[:])
	}
	if err != nil {
		return Meta{}, false
	}
	return decodeMeta(buf[:n], kind)
}

// hasGetxattrat reports whether getxattrat(2) works here: the kernel has it (Linux 6.13
// and later) and no sandbox refuses it. systemd 252 (Debian 12) does not know the call:
// its filter would kill the server for it, but hearthd.service makes it answer EPERM.
// Only an answer about the attribute itself proves the call works.
func hasGetxattrat(dirfd int) bool {
	var buf [metaFileLen + 1]byte
	_, err := getxattrat(dirFD(dirfd), ".", buf[:])
	return err == nil || err == unix.ENODATA || err == unix.ERANGE
}

// xattrArgs is struct xattr_args of getxattrat(2).
type xattrArgs struct {
	value uint64
	size  uint32
	flags uint32
}

// metaAttrC is metaAttr as a C string; it is never written.
var metaAttrC = []byte(metaAttr + "\x00")

// getxattrat reads metaAttr of name in dirfd, not following a link. x/sys has the
// system call number but no wrapper yet (as of v0.49.0).
func getxattrat(dirfd dirFD, name string, buf []byte) (int, error) {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return 0, err
	}
	args := xattrArgs{value: uint64(uintptr(unsafe.Pointer(&buf[0]))), size: uint32(len(buf))}
	n, _, errno := unix.Syscall6(unix.SYS_GETXATTRAT, uintptr(dirfd), uintptr(unsafe.Pointer(p)),
		unix.AT_SYMLINK_NOFOLLOW, uintptr(unsafe.Pointer(&metaAttrC[0])), uintptr(unsafe.Pointer(&args)), unsafe.Sizeof(args))
	runtime.KeepAlive(buf)
	runtime.KeepAlive(p)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
