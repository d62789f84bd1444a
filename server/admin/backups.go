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
		deleted, err := l.Backups.Deleted(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, BackupPC{PC: p, Snapshots: snaps, Deleted: deleted})
	}
	return out, nil
}

func (l Local) BackupCheck(ctx context.Context, readData bool) (backupstore.CheckReport, error) {
	return l.Backups.Check(ctx, readData)
}

// BackupGC runs the nightly cleanup now: retention, then garbage collection.
func (l Local) BackupGC(ctx context.Context) (backupstore.GCReport, error) {
	return l.Backups.Cleanup(ctx)
}

// BackupKeep sets a PC's retention rule; the nightly cleanup applies it.
func (l Local) BackupKeep(ctx context.Context, pc string, keep backup.Policy) error {
	return l.Backups.SetPolicy(ctx, pc, keep)
}

// BackupPin keeps a backup of pc (given by its ID or first digits) whatever the rule
// says, or lets the rule judge it again, and returns its full ID.
func (l Local) BackupPin(ctx context.Context, pc, snapshot string, pinned bool) (string, error) {
	id, err := l.Backups.FindSnapshot(ctx, pc, snapshot)
	if err != nil {
		return "", err
	}
	return id.String(), l.Backups.Pin(ctx, pc, id, pinned)
}

// BackupDelete lets go of a backup of pc (given by its ID or first digits) now, and
// returns its full ID. Its data is kept for the grace period, when BackupUndelete brings
// it back.
func (l Local) BackupDelete(ctx context.Context, pc, snapshot string) (string, error) {
	id, err := l.Backups.FindSnapshot(ctx, pc, snapshot)
	if err != nil {
		return "", err
	}
	return id.String(), l.Backups.Delete(ctx, pc, id, "deleted by an administrator")
}

// BackupUndelete brings back (and pins) a backup of pc let go less than the grace period
// ago, and returns its full ID.
func (l Local) BackupUndelete(ctx context.Context, pc, snapshot string) (string, error) {
	id, err := l.Backups.FindSnapshot(ctx, pc, snapshot)
	if err != nil {
		return "", err
	}
	return id.String(), l.Backups.Undelete(ctx, pc, id)
}
