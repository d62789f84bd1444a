package testenv

import (
	"os"
	"syscall"
	"testing"
)

// Tmpfs mounts a small disk of its own (a tmpfs, with options such as "size=256k") on a
// new folder and unmounts it when the test ends; readOnly mounts it read-only. Tests fill
// it, or meet its refusal, for real: ENOSPC and EROFS as a PC's disks give them. It needs
// root.
func Tmpfs(t testing.TB, options string, readOnly bool) string {
	t.Helper()
	return mount(t, "tmpfs", options, readOnly)
}

// Ramfs mounts a ramfs on a new folder and unmounts it when the test ends: a filesystem
// that refuses O_DIRECT, as some network and FUSE filesystems do. It needs root.
func Ramfs(t testing.TB) string {
	t.Helper()
	return mount(t, "ramfs", "", false)
}

func mount(t testing.TB, fstype, options string, readOnly bool) string {
	t.Helper()
	NeedRoot(t)
	dir, err := os.MkdirTemp("", "hearth-"+fstype+"-")
	if err != nil {
		t.Fatal(err)
	}
	var flags uintptr
	if readOnly {
		flags = syscall.MS_RDONLY
	}
	if err := syscall.Mount(fstype, dir, fstype, flags, options); err != nil {
		os.Remove(dir)
		Skip(t, "cannot mount a "+fstype+" here: "+err.Error())
	}
	t.Cleanup(func() {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	})
	return dir
}
