package console_test

import (
	"context"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool"
)

type poolDrive = pool.DriveInfo

// folderOf is the browse folder of a PC's backup (0 the oldest).
func folderOf(t *testing.T, s *apptest.Server, i int) string {
	t.Helper()
	snaps, err := s.App.Backups.Snapshots(context.Background(), "laptop")
	if err != nil || len(snaps) <= i {
		t.Fatalf("laptop's backups: %v, %v", snaps, err)
	}
	return backup.FolderName(snaps[i].Time)
}
