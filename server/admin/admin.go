// Package admin is how the hearthd commands manage the pool: one Service, implemented by
// the pool itself when no daemon runs, and by a client of the daemon's control socket
// (a unix socket only its owner can open) when one does.
package admin

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/disks"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/hearth-home/hearth/server/serverbackup"
	"github.com/hearth-home/hearth/server/settings"
)

// Service is everything the commands can ask of the pool.
type Service interface {
	Drives(ctx context.Context) ([]pool.DriveInfo, error)
	// DriveCandidates lists the mounted file systems that could be added as drives, and
	// the disks with nothing mounted (shown, never offered: Hearth does not format).
	DriveCandidates(ctx context.Context) (disks.Candidates, error)
	AddDrive(ctx context.Context, path, label string) (pool.DriveInfo, error)
	RemoveDrive(ctx context.Context, which string, opt pool.RemoveOptions) (pool.RemoveReport, error)
	Shares(ctx context.Context) ([]pool.ShareInfo, error)
	CreateShare(ctx context.Context, name string, copies int, description string) (pool.ShareInfo, error)
	SetShare(ctx context.Context, name string, set pool.ShareSettings) (pool.ShareInfo, error)
	// RemoveShare hides a share and its access, keeping its files to be restored
	// (removedshares.go); RemovedShares lists those kept; PurgeShare deletes one for good.
	RemoveShare(ctx context.Context, name string) error
	RemovedShares(ctx context.Context) ([]pool.RemovedShare, error)
	RestoreShare(ctx context.Context, name string) (pool.ShareInfo, error)
	PurgeShare(ctx context.Context, name string) error
	Status(ctx context.Context) (pool.Status, error)
	// ServerBackups lists the server backup jobs (issue 23) without their secrets;
	// AddServerBackup makes one, and its repository on the target, returning the
	// recovery key of a new encrypted one (to be shown once); RunServerBackup runs one
	// now and waits for it; RemoveServerBackup forgets one, its backups left on the
	// target.
	ServerBackups(ctx context.Context) ([]serverbackup.Job, error)
	AddServerBackup(ctx context.Context, job serverbackup.Job) (string, error)
	RunServerBackup(ctx context.Context, name string) (serverbackup.RunInfo, error)
	// StartServerBackup starts a run and returns at once (the console follows it in
	// ServerBackups' Running and LastRun).
	StartServerBackup(ctx context.Context, name string) error
	RemoveServerBackup(ctx context.Context, name string) error
	// RestoreServerBackup brings shares back from a job's target into the pool: a share
	// that is not there is made, else the files go to a new folder in it.
	RestoreServerBackup(ctx context.Context, name string, opt serverbackup.RestoreOptions) (serverbackup.RestoreStats, error)
	// CheckServerBackup verifies what a job's target holds; readData reads every pack.
	CheckServerBackup(ctx context.Context, name string, readData bool) (repo.CheckReport, error)
	Scrub(ctx context.Context) (pool.ScrubReport, error)
	Repair(ctx context.Context) (pool.RepairReport, error)
	// Jobs lists the background jobs, running and recent (jobs.go); the Start calls
	// begin one in the daemon and return at once (ErrJobRunning, ErrNoDaemon).
	Jobs(ctx context.Context) ([]Job, error)
	StartScrub(ctx context.Context) (Job, error)
	StartRepair(ctx context.Context) (Job, error)
	StartRemoveDrive(ctx context.Context, which string, opt pool.RemoveOptions) (Job, error)
	List(ctx context.Context, dir string) ([]pool.FileInfo, error)
	// Find searches the given shares for files and folders by a fragment of their names
	// (pool.Find says how; the Backups share and removed shares are never searched).
	Find(ctx context.Context, query string, shares []string, limit int) ([]pool.FileInfo, error)
	Mkdir(ctx context.Context, path string, mtime time.Time) (pool.FileInfo, error)
	Remove(ctx context.Context, path string) error
	Rename(ctx context.Context, from, to string) error
	Versions(ctx context.Context, path string) ([]pool.VersionInfo, error)
	RestoreVersion(ctx context.Context, path string, gen uint64, to string) (pool.FileInfo, error)
	Put(ctx context.Context, path string, r io.Reader, size int64, mtime time.Time) (pool.FileInfo, error)
	Get(ctx context.Context, path string) (io.ReadCloser, pool.FileInfo, error)

	Users(ctx context.Context) ([]auth.User, error)
	AddUser(ctx context.Context, name, password string, admin bool) (auth.User, error)
	Setup(ctx context.Context, name, password string) (auth.User, error)
	SetPassword(ctx context.Context, name, password string) error
	RemoveUser(ctx context.Context, name string) error
	// SetAdmin makes a user an administrator (with full access to every share) or an
	// ordinary user again (their access stays as it is).
	SetAdmin(ctx context.Context, name string, admin bool) error
	NewToken(ctx context.Context, user, label string) (string, error)
	Devices(ctx context.Context) ([]auth.Device, error)
	RemoveDevice(ctx context.Context, id string) error
	Access(ctx context.Context) ([]AccessEntry, error)
	SetAccess(ctx context.Context, share, user, level string) error
	Server(ctx context.Context) (ServerInfo, error)
	// Settings are the server's settings; SetSettings replaces them all (checked first:
	// settings.Err* say what is refused) and they apply at once.
	Settings(ctx context.Context) (settings.Settings, error)
	SetSettings(ctx context.Context, s settings.Settings) (settings.Settings, error)
	// Restart stops the server cleanly and has its system service start it again
	// (ErrNoRestarter when nothing would); Shutdown stops it (the service, not the
	// machine). Both answer before the server goes down.
	Restart(ctx context.Context) error
	Shutdown(ctx context.Context) error
	// RenewCA replaces the server's certificate authority ('hearthd cert renew-ca'). The
	// daemon does it when it runs: its own account then owns the files, and it presents
	// the new one at once.
	RenewCA(ctx context.Context) (CARenewal, error)

	BackupPCs(ctx context.Context) ([]BackupPC, error)
	BackupCheck(ctx context.Context, readData bool) (backupstore.CheckReport, error)
	BackupGC(ctx context.Context) (backupstore.GCReport, error)
	BackupKeep(ctx context.Context, pc string, keep backup.Policy) error
	BackupPin(ctx context.Context, pc, snapshot string, pinned bool) (string, error)
	BackupDelete(ctx context.Context, pc, snapshot string) (string, error)
	BackupUndelete(ctx context.Context, pc, snapshot string) (string, error)

	Health(ctx context.Context, checkNow bool) (schema.Health, error)
	HealthEvents(ctx context.Context, limit int) ([]HealthEvent, error)
	HealthForget(ctx context.Context, pc string) error
}

// BackupPC is a PC that backs up to the server, with its backups.
type BackupPC struct {
	backupstore.PC
	Snapshots []backupstore.SnapshotInfo
	// Deleted are the backups let go less than the grace period ago, which can still be
	// brought back (BackupUndelete).
	Deleted []backupstore.DeletedSnapshot
}

// Local serves the Service from a pool in this process.
type Local struct {
	*pool.Pool
	// Changed is called after the set of drives changed (to record it beside the catalog).
	Changed  func(ctx context.Context)
	Accounts *auth.Accounts
	Backups  *backupstore.Store
	Monitor  *health.Monitor
	// Info describes the running server.
	Info func(ctx context.Context) (ServerInfo, error)
	// NewCA replaces the certificate authority (Service.RenewCA).
	NewCA func(ctx context.Context) (CARenewal, error)
	// Background runs the Start jobs; nil when no daemon runs (a command opened the pool).
	Background *Jobs
	// MountTable and SysRoot are where DriveCandidates looks ("" for the machine's own:
	// /proc/self/mountinfo and /sys); tests give their own.
	MountTable, SysRoot string
	// SettingsStore holds the server's settings (Service.Settings).
	SettingsStore *settings.Store
	// ServerBackupJobs keeps and runs the server backups; nil where there are none.
	ServerBackupJobs *serverbackup.Jobs
	// Stop ends the daemon's run as SIGTERM does, for a restart or not (Service.Restart
	// and Shutdown); nil when no daemon runs.
	Stop func(ctx context.Context, restart bool) error
}

// CARenewal is what RenewCA made.
type CARenewal struct {
	CAFingerprint string
	CAUntil       time.Time
	// BridgeUntil is how long PCs that pinned the old authority can follow to the new
	// one (zero when there was none to follow from).
	BridgeUntil time.Time
	// Presented: the server runs and presents the new authority already.
	Presented bool
}

func (l Local) RenewCA(ctx context.Context) (CARenewal, error) { return l.NewCA(ctx) }

var _ Service = Local{}

func (l Local) AddDrive(ctx context.Context, path, label string) (pool.DriveInfo, error) {
	d, err := l.Pool.AddDrive(ctx, path, label)
	l.changed(ctx)
	return d, err
}

func (l Local) RemoveDrive(ctx context.Context, which string, opt pool.RemoveOptions) (pool.RemoveReport, error) {
	r, err := l.Pool.RemoveDrive(ctx, which, opt)
	l.changed(ctx)
	return r, err
}

func (l Local) changed(ctx context.Context) {
	if l.Changed != nil {
		l.Changed(ctx)
	}
}

func (l Local) Put(ctx context.Context, path string, r io.Reader, size int64, mtime time.Time) (pool.FileInfo, error) {
	return l.Pool.WriteFile(ctx, path, r, pool.WriteOptions{Size: size, ModTime: mtime})
}

func (l Local) Get(ctx context.Context, path string) (io.ReadCloser, pool.FileInfo, error) {
	f, err := l.Pool.Open(ctx, path)
	if err != nil {
		return nil, pool.FileInfo{}, err
	}
	return f, f.Info(), nil
}

// Error kinds carried over the socket, so a caller can branch on them as in-process.
var kinds = []struct {
	name string
	err  error
}{
	{"not_found", pool.ErrNotFound},
	{"exists", pool.ErrExist},
	{"pool_full", pool.ErrPoolFull},
	{"no_drives", pool.ErrNoDrives},
	{"no_share", pool.ErrNoShare},
	{"refused", pool.ErrRefused},
	{"changed", pool.ErrChanged},
	{"is_dir", pool.ErrIsDir},
	{"not_dir", pool.ErrNotDir},
	{"share_root", pool.ErrShareRoot},
	{"unknown_drive", pool.ErrDriveUnknown},
	{"invalid_path", safepath.ErrInvalid},
	{"no_user", auth.ErrNoUser},
	{"user_exists", auth.ErrUserExists},
	{"bad_name", auth.ErrBadName},
	{"weak_password", auth.ErrWeakPassword},
	{"last_admin", auth.ErrLastAdmin},
	{"name_taken", ErrNameTaken},
	{"no_device", auth.ErrNoDevice},
	{"share_removed", pool.ErrShareRemoved},
	{"backups_share", ErrBackupsShare},
	{"job_running", ErrJobRunning},
	{"no_daemon", ErrNoDaemon},
	{"no_restarter", ErrNoRestarter},
	{"server_name", settings.ErrServerName},
	{"metrics_access", settings.ErrMetrics},
	{"time_zone", settings.ErrTimeZone},
	{"backup_window", settings.ErrWindow},
	{"keep_rule", settings.ErrKeep},
	{"no_server_backup", serverbackup.ErrNoJob},
	{"server_backup_exists", serverbackup.ErrJobExists},
	{"server_backup_running", serverbackup.ErrRunning},
	{"wrong_passphrase", crypt.ErrWrongPassphrase},
	{"encrypted", crypt.ErrEncrypted},
	{"no_backup", serverbackup.ErrNoBackup},
	{"no_backup_path", serverbackup.ErrNoPath},
	{"restore_path_alone", serverbackup.ErrPathAlone},
	{"has_users", serverbackup.ErrHasUsers},
	{"no_config", serverbackup.ErrNoConfig},
	{"target_locked", repo.ErrLocked},
}

func kindOf(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return ""
}

// remoteError is an error that happened in the daemon.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

func errorOf(msg, kind string) error {
	for _, k := range kinds {
		if k.name == kind {
			return &remoteError{msg: msg, kind: k.err}
		}
	}
	return &remoteError{msg: msg}
}
