package pool_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// mountSmall mounts a tmpfs of size bytes at a new folder, unmounted at the end.
func mountSmall(t *testing.T, size int) string {
	t.Helper()
	testenv.NeedRoot(t)
	dir, err := os.MkdirTemp("", "hearth-small-disk-")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		os.Remove(dir)
		testenv.Skip(t, "cannot mount a tmpfs here: "+err.Error())
	}
	t.Cleanup(func() {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	})
	return dir
}

// Real small disks fill up: a full drive is skipped while another has room, and when
// none has, the write fails with "pool is full" and leaves nothing half written.
func TestFullDisks(t *testing.T) {
	small, big := mountSmall(t, 4<<20), mountSmall(t, 8<<20)
	e := pooltest.New(t, 0)
	ctx := context.Background()
	for _, d := range []string{small, big} {
		if _, err := e.Pool.AddDrive(ctx, d, ""); err != nil {
			t.Fatal(err)
		}
		e.Drives = append(e.Drives, d)
	}
	e.Share("Docs", 1)
	e.Put("Docs/keep", []byte("precious"))
	written := 0
	var err error
	for i := 0; i < 40; i++ {
		data := randBytes(uint64(i), 1<<20)
		_, err = e.Pool.WriteFile(ctx, fmt.Sprintf("Docs/f%02d", i), bytes.NewReader(data), pool.WriteOptions{Size: 1 << 20})
		if err != nil {
			break
		}
		written++
	}
	if !errors.Is(err, pool.ErrPoolFull) || !strings.Contains(err.Error(), "add a drive") {
		t.Fatalf("after %d files: %v, want a clear \"pool is full\"", written, err)
	}
	perDrive := []int{}
	for _, d := range e.Drives {
		ents, _ := os.ReadDir(filepath.Join(d, "Shares", "Docs"))
		perDrive = append(perDrive, len(ents))
	}
	if perDrive[0] < 2 || perDrive[1] < 5 {
		t.Errorf("files per drive %v: the full drive should be skipped while the other has room", perDrive)
	}
	t.Logf("%d files of 1 MiB written on 4 MiB + 8 MiB disks (%v per drive) before the pool was full", written, perDrive)
	// A stream of unknown size runs out of room half way: the old file stays.
	_, err = e.Pool.WriteFile(ctx, "Docs/keep", bytes.NewReader(make([]byte, 3<<20)), pool.WriteOptions{})
	if !errors.Is(err, pool.ErrPoolFull) {
		t.Errorf("an unknown-size write into a full pool: %v, want ErrPoolFull", err)
	}
	if got := e.Get("Docs/keep"); string(got) != "precious" {
		t.Errorf("after a failed overwrite the file holds %d bytes", len(got))
	}
	for i := range written {
		if got := e.Get(fmt.Sprintf("Docs/f%02d", i)); !bytes.Equal(got, randBytes(uint64(i), 1<<20)) {
			t.Errorf("f%02d does not read back", i)
		}
	}
	for _, d := range e.Drives {
		if ents, _ := os.ReadDir(filepath.Join(d, ".hearth", "tmp")); len(ents) != 0 {
			t.Errorf("%d leftovers in the temp area of a full drive", len(ents))
		}
		if st := e.DriveState(d); st != pool.StateActive {
			t.Errorf("a full drive is %q; full is not failing", st)
		}
	}
	if _, err := e.Pool.Stat(ctx, fmt.Sprintf("Docs/f%02d", written)); !errors.Is(err, pool.ErrNotFound) {
		t.Errorf("the write that did not fit left an entry: %v", err)
	}
}
