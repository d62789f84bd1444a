package pool_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A new pool that looks at the machine's mounts (as hearthd does) finds another pool's
// mounted drive, names it, and leaves it alone: it never adopts a drive it was not
// pointed at, and writes not one byte to it.
func TestMountedDrivesAreListedNotAdopted(t *testing.T) {
	ctx := context.Background()
	disk := mountSmall(t, 8<<20)
	if err := pooltest.MakeForeignPool(disk); err != nil {
		t.Fatal(err)
	}
	before, err := pooltest.Snapshot(disk)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	p, err := pool.Open(ctx, pool.Options{Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MountScan: true})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := p.Drives(ctx)
	ss, _ := p.Shares(ctx)
	others := p.OtherPools()
	p.Close(ctx)
	if len(ds) != 0 || len(ss) != 0 {
		t.Errorf("a new pool took up drives %v and shares %v; want none", ds, ss)
	}
	if !slices.ContainsFunc(others, func(o pool.OtherPool) bool { return slices.Equal(o.Paths, []string{disk}) }) {
		t.Errorf("other pools = %+v; want the one at %s", others, disk)
	}
	after, err := pooltest.Snapshot(disk)
	if err != nil {
		t.Fatal(err)
	}
	if d := pooltest.SnapshotDiff(before, after); d != "" {
		t.Errorf("the other pool's drive changed:\n%s", d)
	}
}

// Test pools do not look at the mounts at all.
func TestTestPoolsAreBlindToMounts(t *testing.T) {
	disk := mountSmall(t, 8<<20)
	if err := pooltest.MakeForeignPool(disk); err != nil {
		t.Fatal(err)
	}
	e := pooltest.New(t, 1)
	if o := e.Pool.OtherPools(); len(o) != 0 {
		t.Errorf("a test pool saw other pools at the mount points: %+v", o)
	}
}
