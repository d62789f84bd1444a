package drive

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/testenv"
)

// Where the filesystem refuses O_DIRECT (a ramfs here; some network and FUSE filesystems
// too), a large copy is written through the page cache, whole, and the drive stops
// trying. A ramfs cannot hold a drive (it has no extended attributes), so the copy is
// made on it directly.
func TestLargeCopyWhereODirectIsRefused(t *testing.T) {
	dir := testenv.Ramfs(t)
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	if fd, err := unix.Open(filepath.Join(dir, "probe"), unix.O_WRONLY|unix.O_CREAT|unix.O_DIRECT, 0o644); err == nil {
		unix.Close(fd)
		t.Fatal("this ramfs takes O_DIRECT; the test needs a filesystem that refuses it")
	}
	const size = DirectFrom + 3<<20 + 12345
	want := make([]byte, size)
	for i := range want {
		want[i] = byte(i * 31 >> 7)
	}
	f, err := os.Create(filepath.Join(dir, "copy"))
	if err != nil {
		t.Fatal(err)
	}
	d := &Local{}
	p := &pending{d: d, path: "S/copy", f: f, hint: size, mayDirect: true}
	defer f.Close()
	buf := AlignedBuffer(1 << 20)
	for off := 0; off < size; {
		n, err := p.Write(buf[:copy(buf, want[off:])])
		if err != nil {
			t.Fatalf("write at %d: %v", off, err)
		}
		off += n
	}
	if !d.noDirect.Load() {
		t.Error("the drive did not note that its filesystem refuses O_DIRECT")
	}
	if p.direct {
		t.Error("the copy's descriptor is in O_DIRECT mode on a filesystem that refuses it")
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("read back %d bytes that differ from the %d written", len(got), size)
	}
}
