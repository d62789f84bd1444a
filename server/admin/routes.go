package admin

import (
	"context"
	"encoding/json"
	"github.com/hearth-home/hearth/backup"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
	"github.com/hearth-home/hearth/server/settings"
)

// Request bodies, shared by the handler and the client.
type (
	pathReq struct{ Path string }
	findReq struct {
		Query  string
		Shares []string
		Limit  int
	}
	moveReq      struct{ From, To string }
	addDriveReq  struct{ Path, Label string }
	removeDrvReq struct {
		Drive string
		Force bool
	}
	shareReq struct {
		Name        string
		Copies      int
		Description string
	}
	setShareReq struct {
		Name        string
		Copies      *int
		Description *string
		Media       *bool
	}
	mkdirReq struct {
		Path  string
		MTime time.Time
	}
	restoreReq struct {
		Path string
		Gen  uint64
		To   string
	}
	userReq struct {
		Name, Password string
		Admin          bool
	}
	tokenReq  struct{ User, Label string }
	accessReq struct{ Share, User, Level string }
	none      struct{}
	checkReq  struct{ ReadData bool }
	healthReq struct{ Check bool }
	eventsReq struct{ Limit int }
	pcReq     struct{ PC string }
	keepReq   struct {
		PC   string
		Keep backup.Policy
	}
	serverBackupReq struct {
		Name     string
		ReadData bool
		Restore  serverbackup.RestoreOptions
	}
	pinReq struct {
		PC, Snapshot string
		Pinned       bool
	}
)

func routes(svc Service) map[string]func(context.Context, json.RawMessage) (any, error) {
	return map[string]func(context.Context, json.RawMessage) (any, error){
		"drives":            call(func(ctx context.Context, _ none) (any, error) { return svc.Drives(ctx) }),
		"drives/candidates": call(func(ctx context.Context, _ none) (any, error) { return svc.DriveCandidates(ctx) }),
		"drives/add": call(func(ctx context.Context, r addDriveReq) (any, error) {
			return svc.AddDrive(ctx, r.Path, r.Label)
		}),
		"drives/remove": call(func(ctx context.Context, r removeDrvReq) (any, error) {
			return svc.RemoveDrive(ctx, r.Drive, pool.RemoveOptions{Force: r.Force})
		}),
		"shares": call(func(ctx context.Context, _ none) (any, error) { return svc.Shares(ctx) }),
		"shares/add": call(func(ctx context.Context, r shareReq) (any, error) {
			return svc.CreateShare(ctx, r.Name, r.Copies, r.Description)
		}),
		"shares/set": call(func(ctx context.Context, r setShareReq) (any, error) {
			return svc.SetShare(ctx, r.Name, pool.ShareSettings{Copies: r.Copies, Description: r.Description, Media: r.Media})
		}),
		"shares/remove":  call(func(ctx context.Context, r shareReq) (any, error) { return none{}, svc.RemoveShare(ctx, r.Name) }),
		"shares/removed": call(func(ctx context.Context, _ none) (any, error) { return svc.RemovedShares(ctx) }),
		"shares/restore": call(func(ctx context.Context, r shareReq) (any, error) { return svc.RestoreShare(ctx, r.Name) }),
		"shares/purge":   call(func(ctx context.Context, r shareReq) (any, error) { return none{}, svc.PurgeShare(ctx, r.Name) }),
		"serverbackups":  call(func(ctx context.Context, _ none) (any, error) { return svc.ServerBackups(ctx) }),
		"serverbackups/add": call(func(ctx context.Context, r serverbackup.Job) (any, error) {
			return svc.AddServerBackup(ctx, r)
		}),
		"serverbackups/run": call(func(ctx context.Context, r serverBackupReq) (any, error) {
			return svc.RunServerBackup(ctx, r.Name)
		}),
		"serverbackups/start": call(func(ctx context.Context, r serverBackupReq) (any, error) {
			return none{}, svc.StartServerBackup(ctx, r.Name)
		}),
		"serverbackups/restore": call(func(ctx context.Context, r serverBackupReq) (any, error) {
			return svc.RestoreServerBackup(ctx, r.Name, r.Restore)
		}),
		"serverbackups/check": call(func(ctx context.Context, r serverBackupReq) (any, error) {
			return svc.CheckServerBackup(ctx, r.Name, r.ReadData)
		}),
		"serverbackups/remove": call(func(ctx context.Context, r serverBackupReq) (any, error) {
			return none{}, svc.RemoveServerBackup(ctx, r.Name)
		}),
		"backup/pcs":   call(func(ctx context.Context, _ none) (any, error) { return svc.BackupPCs(ctx) }),
		"backup/check": call(func(ctx context.Context, r checkReq) (any, error) { return svc.BackupCheck(ctx, r.ReadData) }),
		"backup/gc":    call(func(ctx context.Context, _ none) (any, error) { return svc.BackupGC(ctx) }),
		"backup/keep": call(func(ctx context.Context, r keepReq) (any, error) {
			return none{}, svc.BackupKeep(ctx, r.PC, r.Keep)
		}),
		"backup/pin": call(func(ctx context.Context, r pinReq) (any, error) {
			return svc.BackupPin(ctx, r.PC, r.Snapshot, r.Pinned)
		}),
		"backup/delete": call(func(ctx context.Context, r pinReq) (any, error) {
			return svc.BackupDelete(ctx, r.PC, r.Snapshot)
		}),
		"backup/undelete": call(func(ctx context.Context, r pinReq) (any, error) {
			return svc.BackupUndelete(ctx, r.PC, r.Snapshot)
		}),
		"health": call(func(ctx context.Context, r healthReq) (any, error) { return svc.Health(ctx, r.Check) }),
		"health/events": call(func(ctx context.Context, r eventsReq) (any, error) {
			return svc.HealthEvents(ctx, r.Limit)
		}),
		"health/forget": call(func(ctx context.Context, r pcReq) (any, error) {
			return none{}, svc.HealthForget(ctx, r.PC)
		}),
		"jobs":        call(func(ctx context.Context, _ none) (any, error) { return svc.Jobs(ctx) }),
		"jobs/scrub":  call(func(ctx context.Context, _ none) (any, error) { return svc.StartScrub(ctx) }),
		"jobs/repair": call(func(ctx context.Context, _ none) (any, error) { return svc.StartRepair(ctx) }),
		"jobs/remove-drive": call(func(ctx context.Context, r removeDrvReq) (any, error) {
			return svc.StartRemoveDrive(ctx, r.Drive, pool.RemoveOptions{Force: r.Force})
		}),
		"status": call(func(ctx context.Context, _ none) (any, error) { return svc.Status(ctx) }),
		"scrub":  call(func(ctx context.Context, _ none) (any, error) { return svc.Scrub(ctx) }),
		"repair": call(func(ctx context.Context, _ none) (any, error) { return svc.Repair(ctx) }),
		"list":   call(func(ctx context.Context, r pathReq) (any, error) { return svc.List(ctx, r.Path) }),
		"find": call(func(ctx context.Context, r findReq) (any, error) {
			return svc.Find(ctx, r.Query, r.Shares, r.Limit)
		}),
		"mkdir":  call(func(ctx context.Context, r mkdirReq) (any, error) { return svc.Mkdir(ctx, r.Path, r.MTime) }),
		"remove": call(func(ctx context.Context, r pathReq) (any, error) { return none{}, svc.Remove(ctx, r.Path) }),
		"rename": call(func(ctx context.Context, r moveReq) (any, error) { return none{}, svc.Rename(ctx, r.From, r.To) }),
		"versions": call(func(ctx context.Context, r pathReq) (any, error) {
			return svc.Versions(ctx, r.Path)
		}),
		"users": call(func(ctx context.Context, _ none) (any, error) { return svc.Users(ctx) }),
		"users/add": call(func(ctx context.Context, r userReq) (any, error) {
			return svc.AddUser(ctx, r.Name, r.Password, r.Admin)
		}),
		"users/setup": call(func(ctx context.Context, r userReq) (any, error) { return svc.Setup(ctx, r.Name, r.Password) }),
		"users/passwd": call(func(ctx context.Context, r userReq) (any, error) {
			return none{}, svc.SetPassword(ctx, r.Name, r.Password)
		}),
		"users/remove": call(func(ctx context.Context, r userReq) (any, error) { return none{}, svc.RemoveUser(ctx, r.Name) }),
		"users/admin": call(func(ctx context.Context, r userReq) (any, error) {
			return none{}, svc.SetAdmin(ctx, r.Name, r.Admin)
		}),
		"users/token":    call(func(ctx context.Context, r tokenReq) (any, error) { return svc.NewToken(ctx, r.User, r.Label) }),
		"devices":        call(func(ctx context.Context, _ none) (any, error) { return svc.Devices(ctx) }),
		"devices/remove": call(func(ctx context.Context, r pathReq) (any, error) { return none{}, svc.RemoveDevice(ctx, r.Path) }),
		"access":         call(func(ctx context.Context, _ none) (any, error) { return svc.Access(ctx) }),
		"access/set": call(func(ctx context.Context, r accessReq) (any, error) {
			return none{}, svc.SetAccess(ctx, r.Share, r.User, r.Level)
		}),
		"settings":      call(func(ctx context.Context, _ none) (any, error) { return svc.Settings(ctx) }),
		"settings/set":  call(func(ctx context.Context, r settings.Settings) (any, error) { return svc.SetSettings(ctx, r) }),
		"restart":       call(func(ctx context.Context, _ none) (any, error) { return none{}, svc.Restart(ctx) }),
		"shutdown":      call(func(ctx context.Context, _ none) (any, error) { return none{}, svc.Shutdown(ctx) }),
		"server":        call(func(ctx context.Context, _ none) (any, error) { return svc.Server(ctx) }),
		"cert/renew-ca": call(func(ctx context.Context, _ none) (any, error) { return svc.RenewCA(ctx) }),
		"versions/restore": call(func(ctx context.Context, r restoreReq) (any, error) {
			return svc.RestoreVersion(ctx, r.Path, r.Gen, r.To)
		}),
	}
}
