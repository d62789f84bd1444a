package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	s, err := pooltest.Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// open starts a second hearthd's pool the way "hearthd run" does.
func open(t *testing.T, opt app.Options) (*app.App, error) {
	t.Helper()
	a, err := app.New(context.Background(), opt, quiet())
	if err == nil {
		t.Cleanup(func() { a.Close(context.Background()) })
	}
	return a, err
}

// A running server's drive is refused to a second server pointed at it, whoever starts
// first, and not one byte on the drive changes: two servers writing one drive ruin it.
func TestSecondServerIsRefusedTheDrive(t *testing.T) {
	t.Run("pointed at a running server's drive", func(t *testing.T) {
		first := apptest.Start(t)
		first.AddUser("dad", "correct horse", true)
		first.Do("dad", "correct horse", "PUT", "/dav/Public/a.txt", apptest.Body("family photo list"))
		d := paths.FirstDrive(first.State)
		time.Sleep(200 * time.Millisecond) // let the first server's start-up work settle
		before := snapshot(t, d)
		_, err := open(t, app.Options{StateDir: t.TempDir(), Drives: []string{d}})
		if !errors.Is(err, drive.ErrInUse) || !strings.Contains(err.Error(), fmt.Sprintf("process %d", os.Getpid())) {
			t.Errorf("second server: %v; want it refused, naming the process that has the drive", err)
		}
		if diff := pooltest.SnapshotDiff(before, snapshot(t, d)); diff != "" {
			t.Errorf("the refused server changed the drive:\n%s", diff)
		}
	})
	t.Run("the drive's own server starting second", func(t *testing.T) {
		first := apptest.Start(t)
		d := paths.FirstDrive(first.State)
		first.Stop()
		// Another server, with a state folder of its own, is pointed at the drive and
		// takes it up; then the drive's own server starts.
		if _, err := open(t, app.Options{StateDir: t.TempDir(), Drives: []string{d}}); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, d)
		_, err := app.New(context.Background(), first.Opt, quiet())
		if !errors.Is(err, drive.ErrInUse) {
			t.Errorf("the drive's own server: %v; want it refused", err)
		}
		if diff := pooltest.SnapshotDiff(before, snapshot(t, d)); diff != "" {
			t.Errorf("the refused server changed the drive:\n%s", diff)
		}
	})
}

// A second server with an empty state folder, looking at the machine's mounts as hearthd
// does, finds a running server's drive, names it, and makes a pool of its own instead
// of taking that one up.
func TestNewServerLeavesMountedPoolAlone(t *testing.T) {
	testenv.NeedRoot(t)
	disk, err := os.MkdirTemp("", "hearth-disk-")
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=16m"); err != nil {
		os.Remove(disk)
		testenv.Skip(t, "cannot mount a tmpfs here: "+err.Error())
	}
	t.Cleanup(func() { syscall.Unmount(disk, syscall.MNT_DETACH); os.Remove(disk) })
	first := apptest.Start(t)
	if _, err := first.Admin().AddDrive(context.Background(), disk, ""); err != nil {
		t.Fatal(err)
	}
	first.AddUser("dad", "correct horse", true)
	first.Do("dad", "correct horse", "PUT", "/dav/Public/a.txt", apptest.Body("family photo list"))
	time.Sleep(200 * time.Millisecond)
	before := snapshot(t, disk)

	second, err := open(t, app.Options{StateDir: t.TempDir(), MountScan: true})
	if err != nil {
		t.Fatal(err)
	}
	if second.Pool.ID() == first.App.Pool.ID() {
		t.Fatal("the second server took up the first one's pool")
	}
	st, err := second.Pool.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Drives) != 0 || !slices.ContainsFunc(st.Others, func(o pool.OtherPool) bool { return slices.Contains(o.Paths, disk) }) {
		t.Errorf("second server: drives %+v, other pools %+v; want no drive, and %s named", st.Drives, st.Others, disk)
	}
	if diff := pooltest.SnapshotDiff(before, snapshot(t, disk)); diff != "" {
		t.Errorf("the second server changed the first one's drive:\n%s", diff)
	}
}
