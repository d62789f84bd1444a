package pooltest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Snapshot describes every file and folder under root: kind, mode, size, modification
// time, content hash and extended attributes. Two equal snapshots mean not one byte of
// the tree changed, the drive's own records included.
func Snapshot(root string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		desc := fmt.Sprintf("%v size=%d mtime=%d", st.Mode(), st.Size(), st.ModTime().UnixNano())
		if st.Mode().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" sha256=%x", sha256.Sum256(b))
		}
		x, err := xattrs(path)
		if err != nil {
			return err
		}
		out[rel] = desc + x
		return nil
	})
	return out, err
}

func xattrs(path string) (string, error) {
	buf := make([]byte, 64<<10)
	n, err := unix.Llistxattr(path, buf)
	if err != nil {
		return "", fmt.Errorf("list attributes of %s: %w", path, err)
	}
	var names []string
	for _, name := range strings.Split(string(buf[:n]), "\x00") {
		if name != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		v := make([]byte, 64<<10)
		k, err := unix.Lgetxattr(path, name, v)
		if err != nil {
			return "", fmt.Errorf("read attribute %s of %s: %w", name, path, err)
		}
		fmt.Fprintf(&b, " %s=%s", name, hex.EncodeToString(v[:k]))
	}
	return b.String(), nil
}

// SnapshotDiff lists how two snapshots differ, "" when they are the same.
func SnapshotDiff(before, after map[string]string) string {
	var lines []string
	for p, b := range before {
		switch a, ok := after[p]; {
		case !ok:
			lines = append(lines, "removed: "+p)
		case a != b:
			lines = append(lines, fmt.Sprintf("changed: %s\n    was %s\n    now %s", p, b, a))
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			lines = append(lines, "added: "+p)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
