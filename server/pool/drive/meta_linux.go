package drive

import (
	"encoding/binary"
	"errors"
	"fmt"

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

// getMetaAt reads the metadata of name in dirfd without opening it (one system call, which
// matters when a rebuild walks a million files).
func getMetaAt(dirfd dirFD, name string, kind Kind) (Meta, bool) {
	var buf [metaFileLen + 1]byte
	n, err := unix.Lgetxattr(procPath(dirfd, name), metaAttr, buf[:])
	if err != nil {
		return Meta{}, false
	}
	return decodeMeta(buf[:n], kind)
}
