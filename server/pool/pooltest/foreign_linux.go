package pooltest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
)

// WithForeignPool runs a package's tests (from TestMain) with a drive of another pool
// mounted on the machine, as a real Hearth pool on the test machine would be, and fails
// the run if any test adopted or touched it: every test pool must be blind to the
// machine's mounts. It needs root to mount; without root the tests run alone, which
// make test (HEARTH_TEST_NO_SKIP) counts as a failure.
func WithForeignPool(m *testing.M) int {
	if os.Geteuid() != 0 {
		if os.Getenv(testenv.NoSkip) != "" {
			fmt.Fprintln(os.Stderr, "pooltest: mounting a foreign pool needs root")
			return 1
		}
		return m.Run()
	}
	dir, err := mountForeignPool()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pooltest:", err)
		return 1
	}
	defer func() {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	}()
	before, err := Snapshot(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pooltest:", err)
		return 1
	}
	code := m.Run()
	after, err := Snapshot(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pooltest:", err)
		return 1
	}
	if d := SnapshotDiff(before, after); d != "" {
		fmt.Fprintf(os.Stderr, "FAIL: a test touched the drive of another pool mounted at %s:\n%s\n", dir, d)
		return 1
	}
	return code
}

// mountForeignPool mounts a small tmpfs and makes it the one drive of a real pool with a
// file in it.
func mountForeignPool() (string, error) {
	sweepForeignPools()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", foreignPrefix, os.Getpid()))
	if err != nil {
		return "", err
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=8m"); err != nil {
		os.Remove(dir)
		return "", fmt.Errorf("mount a foreign pool: %w", err)
	}
	if err := MakeForeignPool(dir); err != nil {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
		return "", err
	}
	return dir, nil
}

// foreignPrefix begins the folder of each foreign pool, followed by the test process's id.
const foreignPrefix = "hearth-foreign-pool-"

// sweepForeignPools unmounts and removes the foreign pools of test processes that were
// killed before they could (a timeout, an interrupt): their mounts would stay on the
// machine, seen by every later pool scan. A folder named without a process id (made
// before the id was added) is swept once it is two hours old, longer than any test run.
func sweepForeignPools() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), foreignPrefix+"*"))
	for _, dir := range dirs {
		pid, _, withPID := strings.Cut(strings.TrimPrefix(filepath.Base(dir), foreignPrefix), "-")
		n, err := strconv.Atoi(pid)
		switch {
		case withPID && err == nil:
			if syscall.Kill(n, 0) != syscall.ESRCH {
				continue // still running, or not ours to judge
			}
		default:
			fi, err := os.Stat(dir)
			if err != nil || time.Since(fi.ModTime()) < 2*time.Hour {
				continue
			}
		}
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	}
}

// MakeForeignPool makes the folder dir the only drive of a new pool, with a share and a
// file, and closes that pool: dir is then a drive of a pool no server runs.
func MakeForeignPool(dir string) error {
	ctx := context.Background()
	state, err := os.MkdirTemp("", "hearth-foreign-state-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(state)
	cat, err := catalog.Open(ctx, filepath.Join(state, "catalog.db"))
	if err != nil {
		return err
	}
	defer cat.Close()
	p, err := pool.Open(ctx, pool.Options{Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Reserve: 1})
	if err != nil {
		return err
	}
	defer p.Close(ctx)
	if _, err := p.AddDrive(ctx, dir, "Foreign"); err != nil {
		return err
	}
	if _, err := p.CreateShare(ctx, "Photos", 1, ""); err != nil {
		return err
	}
	data := []byte("someone else's photo")
	_, err = p.WriteFile(ctx, "Photos/precious.jpg", bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))})
	return err
}
