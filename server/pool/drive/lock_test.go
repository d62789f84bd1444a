package drive_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
)

// A drive is used by one process at a time: a second Open fails with ErrInUse, saying
// who holds it, until the first closes it.
func TestOpenLocksTheDrive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := drive.Init(ctx, dir, "pool-1", "d1", "One"); err != nil {
		t.Fatal(err)
	}
	d, err := drive.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = drive.Open(ctx, dir)
	if !errors.Is(err, drive.ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
		t.Errorf("a second Open: %v; want ErrInUse naming process %d", err, os.Getpid())
	}
	p, err := drive.Probe(ctx, dir)
	if err != nil || p.Info.ID != "d1" || p.Info.Pool != "pool-1" {
		t.Errorf("Probe of a drive in use = %+v, %v", p, err)
	}
	d.Close()
	d, err = drive.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	d.Close()
}

// The lock dies with its process, however it ends: a killed server leaves no lock.
func TestLockDiesWithItsProcess(t *testing.T) {
	if dir := os.Getenv("HEARTH_HOLD_DRIVE"); dir != "" {
		if _, err := drive.Open(context.Background(), dir); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("holding")
		select {}
	}
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := drive.Init(ctx, dir, "pool-1", "d1", "One"); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDiesWithItsProcess$")
	cmd.Env = append(os.Environ(), "HEARTH_HOLD_DRIVE="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "holding\n" {
		t.Fatalf("the other process says %q", line)
	}
	_, err = drive.Open(ctx, dir)
	if !errors.Is(err, drive.ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", cmd.Process.Pid)) {
		t.Fatalf("Open of a drive another process holds: %v; want ErrInUse naming process %d", err, cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	d, err := drive.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open after the holder was killed: %v", err)
	}
	d.Close()
}

// Probe reads a drive without writing a byte to it: not even the temp area or the lock
// file Open would make.
func TestProbeWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := drive.Init(ctx, dir, "pool-1", "d1", "One"); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".hearth", "tmp"))
	if _, err := drive.Probe(ctx, dir); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, ".hearth"))
	for _, e := range ents {
		if e.Name() != "drive.json" && e.Name() != "versions" {
			t.Errorf("Probe made .hearth/%s", e.Name())
		}
	}
	if _, err := drive.Probe(ctx, t.TempDir()); !errors.Is(err, drive.ErrMissing) {
		t.Errorf("Probe of a folder that is no drive: %v, want ErrMissing", err)
	}
}

// A disk mounted read-only (after errors, or to rescue it) still opens, so its files
// can be read and copied off; writing to it fails as the disk says.
func TestReadOnlyDriveOpens(t *testing.T) {
	testenv.NeedRoot(t)
	dir, err := os.MkdirTemp("", "hearth-ro-drive-")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=4m"); err != nil {
		os.Remove(dir)
		testenv.Skip(t, "cannot mount a tmpfs here: "+err.Error())
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH); os.Remove(dir) })
	ctx := context.Background()
	for _, withLock := range []bool{false, true} {
		os.RemoveAll(filepath.Join(dir, ".hearth"))
		if _, err := drive.Init(ctx, dir, "pool-1", "d1", "One"); err != nil {
			t.Fatal(err)
		}
		if withLock { // a drive a server used before: its lock file is there
			d, err := drive.Open(ctx, dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Mkdir(ctx, "Docs", time.Now(), 4); err != nil {
				t.Fatal(err)
			}
			drivetest.Put(t, d, "Docs/a", []byte("kept"), 5, false)
			d.Close()
		}
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
		d, err := drive.Open(ctx, dir)
		if err != nil {
			t.Fatalf("open a read-only drive (lock file there: %v): %v", withLock, err)
		}
		if _, err := d.Create(ctx, "Docs/b", 0); !errors.Is(err, syscall.EROFS) {
			t.Errorf("a write to a read-only drive: %v, want EROFS", err)
		}
		d.Close()
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT, ""); err != nil {
			t.Fatal(err)
		}
	}
}
