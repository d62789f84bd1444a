package pool_test

import (
	"context"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A pool with NoMountScan (every test pool) does not adopt a drive of another pool that
// is mounted meanwhile: with an empty catalog it would otherwise rebuild that pool, and a
// test server would get another test's shares instead of its own (or write to a real
// pool's disks).
func TestNoMountScanIgnoresMountedDrives(t *testing.T) {
	ctx := context.Background()
	disk := mountSmall(t, 4<<20)
	other := pooltest.New(t, 0)
	if _, err := other.Pool.AddDrive(ctx, disk, ""); err != nil {
		t.Fatal(err)
	}
	other.Share("Docs", 1)
	e := pooltest.New(t, 0)
	if e.Pool.ID() == other.Pool.ID() {
		t.Fatal("a new pool adopted the mounted drive of another pool")
	}
	if ds, err := e.Pool.Drives(ctx); err != nil || len(ds) != 0 {
		t.Errorf("a new pool has drives %v (%v), want none", ds, err)
	}
	if ss, err := e.Pool.Shares(ctx); err != nil || len(ss) != 0 {
		t.Errorf("a new pool has shares %v (%v), want none", ss, err)
	}
}
