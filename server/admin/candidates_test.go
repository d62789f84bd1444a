package admin_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// The server offers a mounted disk (from the mount table it is given, never the
// machine's), not the one its own drive is on; once added, the disk is no longer offered.
func TestDriveCandidatesOverTheSocket(t *testing.T) {
	dir := t.TempDir()
	disk := filepath.Join(dir, "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	table := filepath.Join(dir, "mountinfo")
	s := apptest.Start(t, func(o *app.Options) {
		o.MountTable, o.SysRoot = table, filepath.Join(dir, "no-sys")
		lines := fmt.Sprintf("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n20 1 8:17 / %s rw - ext4 /dev/sdb1 rw\n21 1 8:33 / %s rw - ext4 /dev/sdc1 rw\n",
			disk, o.StateDir) // the state folder holds the pool's first drive
		if err := os.WriteFile(table, []byte(lines), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	svc := control(t, s)
	ctx := context.Background()
	c, err := svc.DriveCandidates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Mounts) != 1 || c.Mounts[0].Path != disk || !c.Mounts[0].Offered || c.Mounts[0].Device != "/dev/sdb1" || c.Mounts[0].Size == 0 {
		t.Fatalf("candidates %+v, want only %s, offered, with its size", c.Mounts, disk)
	}
	if _, err := svc.AddDrive(ctx, c.Mounts[0].Path, ""); err != nil {
		t.Fatal(err)
	}
	if c, err = svc.DriveCandidates(ctx); err != nil || len(c.Mounts) != 0 {
		t.Errorf("after adding it: %+v, %v; want nothing offered", c.Mounts, err)
	}
}
