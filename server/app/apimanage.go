package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/api"
	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/settings"
)

// apiManager gives the API the administrators' long work, disks, removed shares and
// settings in its own shapes: the API does not import the package that serves the
// hearthd commands.
type apiManager struct{ l admin.Local }

var _ api.Manager = apiManager{}

// apiErr words the errors only the administrators' service has (the problem package
// cannot know them: it sits below it) as the API answers failures.
func apiErr(err error) error {
	for _, k := range []struct {
		err          error
		status       int
		code, detail string
	}{
		{admin.ErrJobRunning, http.StatusConflict, "busy", "That is running already; GET /api/v1/jobs shows how far it is."},
		{admin.ErrNoDaemon, http.StatusServiceUnavailable, "not_running", "The server is not running; start it first."},
		{admin.ErrNoRestarter, http.StatusConflict, "no_restarter", "Nothing would start the server again: it does not run as its system service. Stop it and start it again yourself."},
		{admin.ErrBackupsShare, http.StatusConflict, "backups_share", "The Backups folder holds the computers' backups and cannot be removed."},
	} {
		if errors.Is(err, k.err) {
			return problem.New(k.status, k.code, k.detail)
		}
	}
	return err
}

func jobOf(j admin.Job) schema.Job {
	return schema.Job{ID: j.ID, Kind: string(j.Kind), Subject: j.Subject, State: string(j.State), Started: j.Started, Finished: j.Finished,
		FilesDone: j.FilesDone, FilesTotal: j.FilesTotal, BytesDone: j.BytesDone, BytesTotal: j.BytesTotal,
		SecondsLeft: int64(j.Left.Seconds()), Result: j.Result}
}

func (m apiManager) Jobs(ctx context.Context) ([]schema.Job, error) {
	js, err := m.l.Jobs(ctx)
	out := make([]schema.Job, len(js))
	for i, j := range js {
		out[i] = jobOf(j)
	}
	return out, err
}

func (m apiManager) StartScrub(ctx context.Context) (schema.Job, error) {
	j, err := m.l.StartScrub(ctx)
	return jobOf(j), apiErr(err)
}

func (m apiManager) StartRepair(ctx context.Context) (schema.Job, error) {
	j, err := m.l.StartRepair(ctx)
	return jobOf(j), apiErr(err)
}

func (m apiManager) StartRemoveDrive(ctx context.Context, label string, force bool) (schema.Job, error) {
	j, err := m.l.StartRemoveDrive(ctx, label, pool.RemoveOptions{Force: force})
	return jobOf(j), apiErr(err)
}

func (m apiManager) DriveCandidates(ctx context.Context) (schema.Candidates, error) {
	c, err := m.l.DriveCandidates(ctx)
	out := schema.Candidates{Mounts: []schema.CandidateMount{}, Disks: []schema.CandidateDisk{}}
	for _, x := range c.Mounts {
		out.Mounts = append(out.Mounts, schema.CandidateMount{Path: x.Path, Device: x.Device, FSType: x.FSType, Size: x.Size, Free: x.Free, Offered: x.Offered, Reason: x.Reason})
	}
	for _, x := range c.Disks {
		out.Disks = append(out.Disks, schema.CandidateDisk{Device: x.Device, Size: x.Size, Model: x.Model, Removable: x.Removable, Reason: x.Reason})
	}
	return out, err
}

func (m apiManager) RemoveShare(ctx context.Context, name string) error {
	return apiErr(m.l.RemoveShare(ctx, name))
}

func (m apiManager) RemovedShares(ctx context.Context) ([]schema.RemovedShare, error) {
	rs, err := m.l.RemovedShares(ctx)
	out := make([]schema.RemovedShare, len(rs))
	for i, r := range rs {
		out[i] = schema.RemovedShare{Name: r.Name, Description: r.Description, Files: r.Files, Bytes: r.Bytes, Removed: r.Removed,
			PurgeAfter: r.PurgeAfter, Users: append([]string{}, r.Users...)}
	}
	return out, err
}

func (m apiManager) RestoreShare(ctx context.Context, name string) error {
	_, err := m.l.RestoreShare(ctx, name)
	return err
}

func (m apiManager) PurgeShare(ctx context.Context, name string) error {
	return m.l.PurgeShare(ctx, name)
}

func settingsOf(s settings.Settings) schema.Settings {
	k := s.DefaultKeep
	return schema.Settings{ServerName: s.ServerName, DefaultKeep: schema.Retention{Last: k.Last, Daily: k.Daily, Weekly: k.Weekly, Monthly: k.Monthly},
		Metrics: s.Metrics, TimeZone: s.TimeZone, BackupWindow: schema.Window{Start: s.BackupWindow.Start, End: s.BackupWindow.End}}
}

func (m apiManager) Settings(ctx context.Context) (schema.Settings, error) {
	s, err := m.l.Settings(ctx)
	return settingsOf(s), err
}

func (m apiManager) SetSettings(ctx context.Context, in schema.Settings) (schema.Settings, error) {
	k := in.DefaultKeep
	s, err := m.l.SetSettings(ctx, settings.Settings{ServerName: in.ServerName, Metrics: in.Metrics, TimeZone: in.TimeZone,
		DefaultKeep:  backup.Policy{Last: k.Last, Daily: k.Daily, Weekly: k.Weekly, Monthly: k.Monthly},
		BackupWindow: settings.Window{Start: in.BackupWindow.Start, End: in.BackupWindow.End}})
	return settingsOf(s), err
}

func (m apiManager) Restart(ctx context.Context) error  { return apiErr(m.l.Restart(ctx)) }
func (m apiManager) Shutdown(ctx context.Context) error { return apiErr(m.l.Shutdown(ctx)) }

// evacuate moves a failing drive's files off as the job a removal from Storage or the
// API would be (one removal at a time, whoever asks), and waits for it to end.
func (a *App) evacuate(ctx context.Context, drive string, force bool) error {
	j, err := a.local().StartRemoveDrive(ctx, drive, pool.RemoveOptions{Force: force})
	if err != nil {
		return err
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		js, _ := a.local().Jobs(ctx)
		for _, x := range js {
			if x.ID == j.ID && x.State != admin.JobRunning {
				if x.State == admin.JobFailed {
					return errors.New(x.Error)
				}
				return nil
			}
		}
	}
}
