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
	"testing"

	"github.com/hearth-home/hearth/server/pool/drive"
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
