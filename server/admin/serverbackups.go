package admin

import (
	"context"
	"errors"

	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// errNoServerBackups: this Local was made without server backups (a test's).
var errNoServerBackups = errors.New("server backups are not available here")

// ServerBackups lists the server backup jobs.
func (l Local) ServerBackups(ctx context.Context) ([]serverbackup.Job, error) {
	if l.ServerBackupJobs == nil {
		return nil, errNoServerBackups
	}
	return l.ServerBackupJobs.List(ctx)
}

// AddServerBackup makes a server backup job.
func (l Local) AddServerBackup(ctx context.Context, job serverbackup.Job) (string, error) {
	if l.ServerBackupJobs == nil {
		return "", errNoServerBackups
	}
	return l.ServerBackupJobs.Add(ctx, job)
}

// RunServerBackup runs a server backup job now.
func (l Local) RunServerBackup(ctx context.Context, name string) (serverbackup.RunInfo, error) {
	if l.ServerBackupJobs == nil {
		return serverbackup.RunInfo{}, errNoServerBackups
	}
	return l.ServerBackupJobs.Run(ctx, name)
}

// StartServerBackup starts a run of a server backup job and returns at once.
func (l Local) StartServerBackup(ctx context.Context, name string) error {
	if l.ServerBackupJobs == nil {
		return errNoServerBackups
	}
	return l.ServerBackupJobs.Start(ctx, name)
}

// CheckServerBackup verifies a server backup's target.
func (l Local) CheckServerBackup(ctx context.Context, name string, readData bool) (repo.CheckReport, error) {
	if l.ServerBackupJobs == nil {
		return repo.CheckReport{}, errNoServerBackups
	}
	return l.ServerBackupJobs.Check(ctx, name, readData)
}

// RestoreServerBackup restores shares from a server backup.
func (l Local) RestoreServerBackup(ctx context.Context, name string, opt serverbackup.RestoreOptions) (serverbackup.RestoreStats, error) {
	if l.ServerBackupJobs == nil {
		return serverbackup.RestoreStats{}, errNoServerBackups
	}
	return l.ServerBackupJobs.Restore(ctx, name, opt)
}

// RemoveServerBackup forgets a server backup job.
func (l Local) RemoveServerBackup(ctx context.Context, name string) error {
	if l.ServerBackupJobs == nil {
		return errNoServerBackups
	}
	return l.ServerBackupJobs.Remove(ctx, name)
}
