package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/backupstore"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/disks"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
	"github.com/hearth-home/hearth/server/settings"
)

// Client talks to a running hearthd over its control socket.
type Client struct {
	http *http.Client
}

var _ Service = (*Client)(nil)

// Dial returns a client for the socket at path, or an error when no daemon answers there.
func Dial(ctx context.Context, path string) (*Client, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	conn.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}
	return &Client{http: &http.Client{Transport: tr}}, nil
}

func (c *Client) post(ctx context.Context, route string, query url.Values, body io.Reader, size int64) (*http.Response, error) {
	u := "http://hearthd/v1/" + route
	if query != nil {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return nil, err
	}
	if size >= 0 {
		req.ContentLength = size
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("talk to hearthd: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct{ Error, Kind string }
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
			return nil, fmt.Errorf("hearthd answered %s", resp.Status)
		}
		return nil, errorOf(e.Error, e.Kind)
	}
	return resp, nil
}

// do sends req as JSON and decodes the answer into out.
func do[T any](ctx context.Context, c *Client, route string, req any) (T, error) {
	var out T
	b, err := json.Marshal(req)
	if err != nil {
		return out, err
	}
	resp, err := c.post(ctx, route, nil, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return out, fmt.Errorf("read hearthd's answer: %w", err)
	}
	return out, nil
}

func (c *Client) Drives(ctx context.Context) ([]pool.DriveInfo, error) {
	return do[[]pool.DriveInfo](ctx, c, "drives", none{})
}

func (c *Client) DriveCandidates(ctx context.Context) (disks.Candidates, error) {
	return do[disks.Candidates](ctx, c, "drives/candidates", none{})
}

func (c *Client) AddDrive(ctx context.Context, path, label string) (pool.DriveInfo, error) {
	return do[pool.DriveInfo](ctx, c, "drives/add", addDriveReq{path, label})
}

func (c *Client) RemoveDrive(ctx context.Context, which string, opt pool.RemoveOptions) (pool.RemoveReport, error) {
	return do[pool.RemoveReport](ctx, c, "drives/remove", removeDrvReq{which, opt.Force})
}

func (c *Client) Shares(ctx context.Context) ([]pool.ShareInfo, error) {
	return do[[]pool.ShareInfo](ctx, c, "shares", none{})
}

func (c *Client) CreateShare(ctx context.Context, name string, copies int, description string) (pool.ShareInfo, error) {
	return do[pool.ShareInfo](ctx, c, "shares/add", shareReq{name, copies, description})
}

func (c *Client) SetShare(ctx context.Context, name string, set pool.ShareSettings) (pool.ShareInfo, error) {
	return do[pool.ShareInfo](ctx, c, "shares/set", setShareReq{name, set.Copies, set.Description, set.Media})
}

func (c *Client) RemoveShare(ctx context.Context, name string) error {
	_, err := do[none](ctx, c, "shares/remove", shareReq{Name: name})
	return err
}

func (c *Client) RemovedShares(ctx context.Context) ([]pool.RemovedShare, error) {
	return do[[]pool.RemovedShare](ctx, c, "shares/removed", none{})
}

func (c *Client) ServerBackups(ctx context.Context) ([]serverbackup.Job, error) {
	return do[[]serverbackup.Job](ctx, c, "serverbackups", none{})
}

func (c *Client) AddServerBackup(ctx context.Context, job serverbackup.Job) (string, error) {
	return do[string](ctx, c, "serverbackups/add", job)
}

func (c *Client) RunServerBackup(ctx context.Context, name string) (serverbackup.RunInfo, error) {
	return do[serverbackup.RunInfo](ctx, c, "serverbackups/run", serverBackupReq{Name: name})
}

func (c *Client) StartServerBackup(ctx context.Context, name string) error {
	_, err := do[none](ctx, c, "serverbackups/start", serverBackupReq{Name: name})
	return err
}

func (c *Client) CheckServerBackup(ctx context.Context, name string, readData bool) (repo.CheckReport, error) {
	return do[repo.CheckReport](ctx, c, "serverbackups/check", serverBackupReq{Name: name, ReadData: readData})
}

func (c *Client) RestoreServerBackup(ctx context.Context, name string, opt serverbackup.RestoreOptions) (serverbackup.RestoreStats, error) {
	return do[serverbackup.RestoreStats](ctx, c, "serverbackups/restore", serverBackupReq{Name: name, Restore: opt})
}

func (c *Client) RemoveServerBackup(ctx context.Context, name string) error {
	_, err := do[none](ctx, c, "serverbackups/remove", serverBackupReq{Name: name})
	return err
}

func (c *Client) RestoreShare(ctx context.Context, name string) (pool.ShareInfo, error) {
	return do[pool.ShareInfo](ctx, c, "shares/restore", shareReq{Name: name})
}

func (c *Client) PurgeShare(ctx context.Context, name string) error {
	_, err := do[none](ctx, c, "shares/purge", shareReq{Name: name})
	return err
}

func (c *Client) Status(ctx context.Context) (pool.Status, error) {
	return do[pool.Status](ctx, c, "status", none{})
}

func (c *Client) Scrub(ctx context.Context) (pool.ScrubReport, error) {
	return do[pool.ScrubReport](ctx, c, "scrub", none{})
}

func (c *Client) Repair(ctx context.Context) (pool.RepairReport, error) {
	return do[pool.RepairReport](ctx, c, "repair", none{})
}

func (c *Client) Jobs(ctx context.Context) ([]Job, error) {
	return do[[]Job](ctx, c, "jobs", none{})
}

func (c *Client) StartScrub(ctx context.Context) (Job, error) {
	return do[Job](ctx, c, "jobs/scrub", none{})
}

func (c *Client) StartRepair(ctx context.Context) (Job, error) {
	return do[Job](ctx, c, "jobs/repair", none{})
}

func (c *Client) StartRemoveDrive(ctx context.Context, which string, opt pool.RemoveOptions) (Job, error) {
	return do[Job](ctx, c, "jobs/remove-drive", removeDrvReq{which, opt.Force})
}

func (c *Client) List(ctx context.Context, dir string) ([]pool.FileInfo, error) {
	return do[[]pool.FileInfo](ctx, c, "list", pathReq{dir})
}

func (c *Client) Find(ctx context.Context, query string, shares []string, limit int) ([]pool.FileInfo, error) {
	return do[[]pool.FileInfo](ctx, c, "find", findReq{query, shares, limit})
}

func (c *Client) Mkdir(ctx context.Context, path string, mtime time.Time) (pool.FileInfo, error) {
	return do[pool.FileInfo](ctx, c, "mkdir", mkdirReq{path, mtime})
}

func (c *Client) Remove(ctx context.Context, path string) error {
	_, err := do[none](ctx, c, "remove", pathReq{path})
	return err
}

func (c *Client) Rename(ctx context.Context, from, to string) error {
	_, err := do[none](ctx, c, "rename", moveReq{from, to})
	return err
}

func (c *Client) Versions(ctx context.Context, path string) ([]pool.VersionInfo, error) {
	return do[[]pool.VersionInfo](ctx, c, "versions", pathReq{path})
}

func (c *Client) RestoreVersion(ctx context.Context, path string, gen uint64, to string) (pool.FileInfo, error) {
	return do[pool.FileInfo](ctx, c, "versions/restore", restoreReq{path, gen, to})
}

func (c *Client) Put(ctx context.Context, path string, r io.Reader, size int64, mtime time.Time) (pool.FileInfo, error) {
	q := url.Values{"path": {path}}
	if !mtime.IsZero() {
		q.Set("mtime", strconv.FormatInt(mtime.UnixNano(), 10))
	}
	resp, err := c.post(ctx, "put", q, r, size)
	if err != nil {
		return pool.FileInfo{}, err
	}
	defer resp.Body.Close()
	var fi pool.FileInfo
	return fi, json.NewDecoder(resp.Body).Decode(&fi)
}

func (c *Client) Get(ctx context.Context, path string) (io.ReadCloser, pool.FileInfo, error) {
	resp, err := c.post(ctx, "get", url.Values{"path": {path}}, nil, 0)
	if err != nil {
		return nil, pool.FileInfo{}, err
	}
	var fi pool.FileInfo
	if err := json.Unmarshal([]byte(resp.Header.Get("Hearth-File")), &fi); err != nil {
		resp.Body.Close()
		return nil, fi, errors.New("hearthd sent a file without its description")
	}
	return &sizedBody{resp.Body, fi.Size, 0}, fi, nil
}

// sizedBody reports a connection cut before the announced size as an error, so a
// download never ends silently short.
type sizedBody struct {
	io.ReadCloser
	want, got int64
}

func (b *sizedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.got += int64(n)
	if err == io.EOF && b.got != b.want {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}

func (c *Client) Users(ctx context.Context) ([]auth.User, error) {
	return do[[]auth.User](ctx, c, "users", none{})
}

func (c *Client) AddUser(ctx context.Context, name, password string, admin bool) (auth.User, error) {
	return do[auth.User](ctx, c, "users/add", userReq{name, password, admin})
}

func (c *Client) Setup(ctx context.Context, name, password string) (auth.User, error) {
	return do[auth.User](ctx, c, "users/setup", userReq{Name: name, Password: password})
}

func (c *Client) SetPassword(ctx context.Context, name, password string) error {
	_, err := do[none](ctx, c, "users/passwd", userReq{Name: name, Password: password})
	return err
}

func (c *Client) RemoveUser(ctx context.Context, name string) error {
	_, err := do[none](ctx, c, "users/remove", userReq{Name: name})
	return err
}

func (c *Client) SetAdmin(ctx context.Context, name string, admin bool) error {
	_, err := do[none](ctx, c, "users/admin", userReq{Name: name, Admin: admin})
	return err
}

func (c *Client) NewToken(ctx context.Context, user, label string) (string, error) {
	return do[string](ctx, c, "users/token", tokenReq{user, label})
}

func (c *Client) Access(ctx context.Context) ([]AccessEntry, error) {
	return do[[]AccessEntry](ctx, c, "access", none{})
}

func (c *Client) SetAccess(ctx context.Context, share, user, level string) error {
	_, err := do[none](ctx, c, "access/set", accessReq{share, user, level})
	return err
}

func (c *Client) Server(ctx context.Context) (ServerInfo, error) {
	return do[ServerInfo](ctx, c, "server", none{})
}

func (c *Client) Settings(ctx context.Context) (settings.Settings, error) {
	return do[settings.Settings](ctx, c, "settings", none{})
}

func (c *Client) SetSettings(ctx context.Context, s settings.Settings) (settings.Settings, error) {
	return do[settings.Settings](ctx, c, "settings/set", s)
}

func (c *Client) Restart(ctx context.Context) error {
	_, err := do[none](ctx, c, "restart", none{})
	return err
}

func (c *Client) Shutdown(ctx context.Context) error {
	_, err := do[none](ctx, c, "shutdown", none{})
	return err
}

func (c *Client) RenewCA(ctx context.Context) (CARenewal, error) {
	return do[CARenewal](ctx, c, "cert/renew-ca", none{})
}

func (c *Client) Devices(ctx context.Context) ([]auth.Device, error) {
	return do[[]auth.Device](ctx, c, "devices", none{})
}

func (c *Client) RemoveDevice(ctx context.Context, id string) error {
	_, err := do[none](ctx, c, "devices/remove", pathReq{id})
	return err
}

func (c *Client) BackupPCs(ctx context.Context) ([]BackupPC, error) {
	return do[[]BackupPC](ctx, c, "backup/pcs", none{})
}

func (c *Client) BackupCheck(ctx context.Context, readData bool) (backupstore.CheckReport, error) {
	return do[backupstore.CheckReport](ctx, c, "backup/check", checkReq{ReadData: readData})
}

func (c *Client) BackupGC(ctx context.Context) (backupstore.GCReport, error) {
	return do[backupstore.GCReport](ctx, c, "backup/gc", none{})
}

func (c *Client) BackupKeep(ctx context.Context, pc string, keep backup.Policy) error {
	_, err := do[none](ctx, c, "backup/keep", keepReq{PC: pc, Keep: keep})
	return err
}

func (c *Client) BackupPin(ctx context.Context, pc, snapshot string, pinned bool) (string, error) {
	return do[string](ctx, c, "backup/pin", pinReq{PC: pc, Snapshot: snapshot, Pinned: pinned})
}

func (c *Client) BackupDelete(ctx context.Context, pc, snapshot string) (string, error) {
	return do[string](ctx, c, "backup/delete", pinReq{PC: pc, Snapshot: snapshot})
}

func (c *Client) BackupUndelete(ctx context.Context, pc, snapshot string) (string, error) {
	return do[string](ctx, c, "backup/undelete", pinReq{PC: pc, Snapshot: snapshot})
}

func (c *Client) Health(ctx context.Context, checkNow bool) (schema.Health, error) {
	return do[schema.Health](ctx, c, "health", healthReq{Check: checkNow})
}

func (c *Client) HealthEvents(ctx context.Context, limit int) ([]HealthEvent, error) {
	return do[[]HealthEvent](ctx, c, "health/events", eventsReq{Limit: limit})
}

func (c *Client) HealthForget(ctx context.Context, pc string) error {
	_, err := do[none](ctx, c, "health/forget", pcReq{PC: pc})
	return err
}
