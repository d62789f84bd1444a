package drive

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Both ways of reading an item's metadata (getxattrat on new kernels, the /proc path on
// old ones) must agree, and neither may follow a link.
func TestGetMetaAtBothWays(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	os.WriteFile(f, []byte("x"), 0o644)
	want := Meta{Gen: 42, Hash: Hash{1, 2, 3}}
	if err := unix.Setxattr(f, metaAttr, encodeMeta(want, File), 0); err != nil {
		t.Fatal(err)
	}
	os.Symlink(f, filepath.Join(dir, "link"))
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if !hasGetxattrat(fd) {
		t.Log("this kernel has no getxattrat; only the /proc way is tested")
	}
	for _, d := range []*Local{{xattrat: hasGetxattrat(fd)}, {xattrat: false}} {
		if got, ok := d.metaAt(dirFD(fd), "f", File); !ok || got != want {
			t.Errorf("metaAt (getxattrat %v) = %+v %v, want %+v", d.xattrat, got, ok, want)
		}
		if _, ok := d.metaAt(dirFD(fd), "link", File); ok {
			t.Errorf("metadata was read through a link (getxattrat %v)", d.xattrat)
		}
	}
}
