package drive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// directFilesystems are the filesystems a large copy is tried on: a disk (O_DIRECT
// bypasses the page cache) and a tmpfs (which takes O_DIRECT since Linux 6.6 but keeps
// the bytes in memory anyway). A filesystem that refuses O_DIRECT is tried in
// direct_refused_linux_test.go.
var directFilesystems = []struct {
	name  string
	mount func(t *testing.T) string
	disk  bool
}{
	{"disk", diskFolder, true},
	{"tmpfs", func(t *testing.T) string { return testenv.Tmpfs(t, "size=128m", false) }, false},
}

// diskFolder is a folder on a disk-backed filesystem, where O_DIRECT really goes around
// the page cache.
func diskFolder(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/tmp", "hearth-direct-")
	if err != nil {
		testenv.Skip(t, "no /var/tmp to write to: "+err.Error())
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if st.Type == unix.TMPFS_MAGIC || st.Type == unix.RAMFS_MAGIC {
		testenv.Skip(t, "/var/tmp is in memory here, not on a disk")
	}
	return dir
}

func openDriveIn(t *testing.T, dir string) (*drive.Local, string) {
	t.Helper()
	root := filepath.Join(dir, "disk")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := drive.Init(ctx, root, "pool-1", "drive-1", "Disk 1"); err != nil {
		t.Fatal(err)
	}
	d, err := drive.Open(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Mkdir(ctx, "S", time.Now(), 1); err != nil {
		t.Fatal(err)
	}
	return d, root
}

func patterned(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// A large copy is written with O_DIRECT where the filesystem takes it, and through the
// page cache where it does not; either way the file holds exactly the bytes written, for
// sizes on both sides of the alignment, chunk and threshold edges, with the size known
// up front or not, in the pool's aligned chunks or in odd pieces from unaligned memory.
func TestLargeCopyContentOnEveryFilesystem(t *testing.T) {
	const chunk = 1 << 20
	sizes := []int{0, 1, drive.DirectAlign - 1, drive.DirectAlign, drive.DirectAlign + 1,
		chunk - 1, chunk, chunk + 1, drive.DirectFrom - 1, drive.DirectFrom, drive.DirectFrom + 1,
		drive.DirectFrom + 3*chunk + 12345}
	data := patterned(sizes[len(sizes)-1] + 1)
	for _, fs := range directFilesystems {
		t.Run(fs.name, func(t *testing.T) {
			d, root := openDriveIn(t, fs.mount(t))
			ctx := context.Background()
			buf := drive.AlignedBuffer(chunk)
			for _, size := range sizes {
				for _, c := range []struct {
					name   string
					hint   int64
					pieces int // 0: whole chunks from an aligned buffer, as the pool writes
				}{
					{"known size", int64(size), 0},
					{"unknown size", -1, 0},
					{"odd pieces", int64(size), 100_003},
				} {
					if c.pieces > 0 && size < drive.DirectFrom {
						continue
					}
					name := fmt.Sprintf("S/f-%d-%s", size, c.name)
					want := data[:size]
					pf, err := d.CreateDirect(ctx, name, c.hint)
					if err != nil {
						t.Fatal(err)
					}
					for off := 0; off < size; {
						var piece []byte
						if c.pieces == 0 {
							piece = buf[:copy(buf, want[off:min(off+chunk, size)])]
						} else {
							piece = want[off:min(off+c.pieces, size)] // unaligned in memory, mostly
						}
						n, err := pf.Write(piece)
						if err != nil || n != len(piece) {
							t.Fatalf("%s: write at %d: %d of %d bytes, %v", name, off, n, len(piece), err)
						}
						off += n
					}
					if err := pf.Finish(ctx, time.Now(), drive.Meta{Gen: 2}); err != nil {
						t.Fatal(err)
					}
					if err := pf.Commit(ctx, false); err != nil {
						t.Fatal(err)
					}
					if fs.disk && c.hint >= drive.DirectFrom && c.pieces == 0 {
						// Written around the page cache: nothing of it is in memory but
						// the last, partial page, which went through the cache.
						if n := residentPages(t, filepath.Join(root, "Shares", name), int64(size)&^(drive.DirectAlign-1)); n > 0 {
							t.Errorf("%s: %d pages of a copy written with O_DIRECT are in the page cache, want none", name, n)
						}
					}
					if size >= drive.DirectFrom {
						readRanges(t, d, name, want)
					}
					if fs.disk && c.hint >= drive.DirectFrom && c.pieces == 0 {
						// Read around the page cache too, where it did not hold the bytes;
						// only a small read (the last block) goes through it.
						if n := residentPages(t, filepath.Join(root, "Shares", name), int64(size-64<<10)&^(drive.DirectAlign-1)); n > 0 {
							t.Errorf("%s: %d pages of a copy read with O_DIRECT are in the page cache, want none", name, n)
						}
					}
					got := readAll(t, d, name)
					if !bytes.Equal(got, want) {
						t.Errorf("%s: read back %d bytes that differ from the %d written", name, len(got), size)
					}
				}
			}
		})
	}
}

// An upload cut off, large enough to be written with O_DIRECT, leaves nothing: no file
// at its path and nothing in the temp area.
func TestAbortedLargeCopyLeavesNothing(t *testing.T) {
	for _, fs := range directFilesystems {
		t.Run(fs.name, func(t *testing.T) {
			d, root := openDriveIn(t, fs.mount(t))
			ctx := context.Background()
			buf := drive.AlignedBuffer(1 << 20)
			copy(buf, patterned(len(buf)))
			pf, err := d.CreateDirect(ctx, "S/big", 64<<20)
			if err != nil {
				t.Fatal(err)
			}
			for range 9 {
				if _, err := pf.Write(buf); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := pf.Write(buf[:777]); err != nil {
				t.Fatal(err)
			}
			if err := pf.Abort(); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Stat(ctx, "S/big"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("after an aborted write, stat says %v; want not found", err)
			}
			left, err := os.ReadDir(filepath.Join(root, ".hearth", "tmp"))
			if err != nil {
				t.Fatal(err)
			}
			if len(left) > 0 {
				t.Errorf("an aborted write left %d files in the temp area", len(left))
			}
		})
	}
}

// readRanges reads the copy at name as the pool does, in 256 KiB blocks, and at odd
// places and lengths across the read windows and at the end, and checks what it gets.
func readRanges(t *testing.T, d drive.Drive, name string, want []byte) {
	t.Helper()
	f, err := d.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	size := int64(len(want))
	type rng struct{ off, n int64 }
	var ranges []rng
	for off := int64(0); off < size; off += 256 << 10 {
		ranges = append(ranges, rng{off, min(256<<10, size-off)})
	}
	ranges = append(ranges, rng{12345, 100_000}, rng{1<<20 - 5000, 70_000}, rng{3 << 20, 2<<20 + 1},
		rng{size - 70_000, 70_000}, rng{size - 70_000, 80_000}, rng{0, 256 << 10})
	for _, r := range ranges {
		buf := make([]byte, r.n)
		n, err := f.ReadAt(buf, r.off)
		end := min(r.off+r.n, size)
		if int64(n) != end-r.off || (err != nil && !(errors.Is(err, io.EOF) && r.off+r.n > size)) {
			t.Fatalf("%s: ReadAt(%d bytes at %d) = %d, %v; want %d bytes", name, r.n, r.off, n, err, end-r.off)
		}
		if !bytes.Equal(buf[:n], want[r.off:end]) {
			t.Fatalf("%s: ReadAt(%d bytes at %d) read bytes that differ from the written", name, r.n, r.off)
		}
	}
}

// residentPages counts the pages of the file at path below upTo that are in the page
// cache.
func residentPages(t *testing.T, path string, upTo int64) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		return 0
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0])))
	if errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for i, v := range vec {
		if int64(i+1)*int64(os.Getpagesize()) <= upTo {
			n += int(v & 1)
		}
	}
	return n
}

func readAll(t *testing.T, d drive.Drive, path string) []byte {
	t.Helper()
	f, err := d.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A copy made with Create, however large, goes through the page cache: the pool asks for
// O_DIRECT (CreateDirect) only for files written in two or more copies, because one copy
// written through the cache was faster on the bench's disk, and so is the read after it.
func TestCreateWritesThroughTheCache(t *testing.T) {
	d, root := openDriveIn(t, diskFolder(t))
	ctx := context.Background()
	const size = 2 * drive.DirectFrom
	want := patterned(size)
	buf := drive.AlignedBuffer(1 << 20)
	for _, direct := range []bool{false, true} {
		name := fmt.Sprintf("S/direct-%v", direct)
		create := d.Create
		if direct {
			create = d.CreateDirect
		}
		pf, err := create(ctx, name, size)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < size; {
			n, err := pf.Write(buf[:copy(buf, want[off:])])
			if err != nil {
				t.Fatal(err)
			}
			off += n
		}
		if err := pf.Finish(ctx, time.Now(), drive.Meta{Gen: 2}); err != nil {
			t.Fatal(err)
		}
		if err := pf.Commit(ctx, false); err != nil {
			t.Fatal(err)
		}
		n := residentPages(t, filepath.Join(root, "Shares", name), size)
		if all := size / os.Getpagesize(); direct && n > 0 || !direct && n < all/2 {
			t.Errorf("direct %v: %d of %d pages in the page cache after the write", direct, n, all)
		}
		if got := readAll(t, d, name); !bytes.Equal(got, want) {
			t.Errorf("direct %v: read back differs", direct)
		}
	}
}
