package admin

import (
	"context"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/backupstore"
)

// BackupPCs lists the PCs that back up here, with their backups.
func (l Local) BackupPCs(ctx context.Context) ([]BackupPC, error) {
	pcs, err := l.Backups.PCs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BackupPC, 0, len(pcs))
	for _, p := range pcs {
		snaps, err := l.Backups.Snapshots(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, BackupPC{PC: p, Snapshots: snaps})
	}
	return out, nil
}

func (l Local) BackupCheck(ctx context.Context, readData bool) (backupstore.CheckReport, error) {
	return l.Backups.Check(ctx, readData)
}

func (l Local) BackupGC(ctx context.Context) (backupstore.GCReport, error) { return l.Backups.GC(ctx) }

func (l Local) BackupKeep(ctx context.Context, pc string, keep backup.Policy) error {
	if err := l.Backups.SetPolicy(ctx, pc, keep); err != nil {
		return err
	}
	_, err := l.Backups.Forget(ctx, pc)
	return err
}
