package drive_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
)

func newLocal(t *testing.T) drive.Drive {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := drive.Init(ctx, dir, "pool-1", "drive-1", "Disk 1"); err != nil {
		t.Fatal(err)
	}
	d, err := drive.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestLocal(t *testing.T) {
	drivetest.Run(t, newLocal)
}

func TestLocalUnderFaults(t *testing.T) {
	drivetest.Run(t, func(t *testing.T) drive.Drive { return drivetest.NewFaulty(newLocal(t)) })
}

func TestInit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m, err := drive.Init(ctx, dir, "pool-1", "d1", "One")
	if err != nil {
		t.Fatal(err)
	}
	again, err := drive.Init(ctx, dir, "pool-1", "d2", "Two")
	if err != nil || again.DriveID != "d1" {
		t.Errorf("second Init = %+v, %v; want the existing marker", again, err)
	}
	if _, err := drive.Init(ctx, dir, "pool-2", "d3", "Three"); !errors.Is(err, drive.ErrForeign) {
		t.Errorf("Init for another pool: %v, want ErrForeign", err)
	}
	if _, err := drive.Init(ctx, filepath.Join(dir, "nope"), "pool-1", "d4", ""); !errors.Is(err, drive.ErrMissing) {
		t.Errorf("Init of a missing folder: %v, want ErrMissing", err)
	}
	d, err := drive.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info().ID != m.DriveID || d.Info().Pool != "pool-1" || d.Info().Label != "One" {
		t.Errorf("Info = %+v", d.Info())
	}
}

func TestOpenRefusesUnmarkedFolder(t *testing.T) {
	if _, err := drive.Open(context.Background(), t.TempDir()); !errors.Is(err, drive.ErrMissing) {
		t.Errorf("Open of a folder without marker: %v, want ErrMissing", err)
	}
}

func TestCheckForeignMarker(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	drive.Init(ctx, dir, "pool-1", "d1", "")
	d, err := drive.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	other := t.TempDir()
	drive.Init(ctx, other, "pool-9", "d9", "")
	os.Rename(dir, dir+".x")
	os.Rename(other, dir)
	if err := d.Check(ctx); !errors.Is(err, drive.ErrForeign) {
		t.Errorf("Check with another pool's disk mounted: %v, want ErrForeign", err)
	}
}

func FuzzParseTombstones(f *testing.F) {
	f.Add([]byte("5\t100\tDocs/a\n6\t200\tDocs/b c\n"))
	f.Add([]byte("x\ty\t../z\n7\t1\t/abs\n8\t1\tDocs/torn"))
	f.Add([]byte("9\t1\tDocs/a\tDocs/b\t4\n10\t1\tDocs/a\t../b\t3\n11\t1\tDocs/a\tDocs/c\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, ts := range drive.ParseTombstones(b) {
			back := drive.ParseTombstones(drive.FormatTombstone(ts))
			if len(back) != 1 || back[0] != ts {
				t.Fatalf("round trip of %+v gave %+v", ts, back)
			}
		}
	})
}

func TestRoomy(t *testing.T) {
	drivetest.Run(t, func(t *testing.T) drive.Drive { return drivetest.Roomy{Drive: newLocal(t)} })
}

// TestRoomyHidesAFullHostDisk: a test server's drive on a nearly full host disk reports
// more than half of it free, with the bytes used unchanged, so no test meets "the
// server is getting full" because of what else is on the machine.
func TestRoomyHidesAFullHostDisk(t *testing.T) {
	ctx := context.Background()
	f := drivetest.NewFaulty(newLocal(t))
	f.SetFree(1 << 20)
	real, err := f.Usage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := drivetest.Roomy{Drive: f}.Usage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Free*2 <= got.Total {
		t.Errorf("roomy drive reports %d free of %d: half or less", got.Free, got.Total)
	}
	if got.Total-got.Free != real.Total-real.Free {
		t.Errorf("roomy drive reports %d used, the drive %d", got.Total-got.Free, real.Total-real.Free)
	}
	if _, ok := drive.Drive(drivetest.Roomy{Drive: f}).(drive.DirectCreator); !ok {
		t.Error("roomy drive hides the real drive's copy past the page cache")
	}
}
