package serverbackup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/internal/atomicfile"
	"github.com/hearth-home/hearth/server/pool"
)

// Job is a server backup: which shares go to which target. Secrets (the S3 secret key,
// the passphrase) are kept in the state folder, readable by the server alone, so runs
// need nobody at the keyboard; List leaves them out.
type Job struct {
	Name   string   `json:"name"`
	Target Target   `json:"target"`
	Shares []string `json:"shares"`
	// Encrypted is chosen when the job is made and never changes (the repository says
	// it too: see crypt). A job to S3 is always encrypted.
	Encrypted  bool   `json:"encrypted"`
	Passphrase string `json:"passphrase,omitempty"`
	// Daily is the time of day ("03:00", the server's time zone) the job runs by
	// itself; "" runs it only when asked.
	Daily string `json:"daily,omitempty"`
	// Keep is which backups the target keeps after each run; nil is repo.ServerPolicy.
	Keep    *backup.Policy `json:"keep,omitempty"`
	Created time.Time      `json:"created"`
	LastRun *RunInfo       `json:"last_run,omitempty"`
	// LastSuccess is when the last run that finished began (zero: none yet).
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Running and NextRun are filled by List, never kept: a run in progress now, and
	// when the schedule runs the job next (zero: only when asked).
	Running bool      `json:"running,omitempty"`
	NextRun time.Time `json:"next_run,omitzero"`
}

// Target is where a job's repository is: a folder (on an external drive) or an S3
// bucket.
type Target struct {
	Folder string    `json:"folder,omitempty"`
	S3     *S3Target `json:"s3,omitempty"`
}

// S3Target is a bucket on an S3-compatible store.
type S3Target struct {
	Endpoint  string `json:"endpoint"`
	Insecure  bool   `json:"insecure,omitempty"` // plain HTTP, for a store on the home network
	Region    string `json:"region,omitempty"`
	Bucket    string `json:"bucket"`
	Prefix    string `json:"prefix,omitempty"`
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key,omitempty"`
	// Limit caps the uploads, in bytes a second (0: none).
	Limit int64 `json:"limit,omitempty"`
}

// String says where a target is, for a person.
func (t Target) String() string {
	if t.S3 != nil {
		return "s3://" + t.S3.Endpoint + "/" + t.S3.Bucket + "/" + strings.TrimSuffix(t.S3.Prefix, "/")
	}
	return t.Folder
}

// RunInfo is what a run did.
type RunInfo struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Snapshot string    `json:"snapshot,omitempty"`
	Files    int64     `json:"files"`
	Bytes    int64     `json:"bytes"`
	Added    int64     `json:"added"`
	Skipped  []string  `json:"skipped,omitempty"`
	// Forgotten is how many older backups the retention rule let go after the run,
	// and Freed the bytes of the packs only they needed.
	Forgotten int   `json:"forgotten,omitempty"`
	Freed     int64 `json:"freed,omitempty"`
	// Cleanup says in words why letting old backups go failed (the run itself
	// succeeded); "" when it did not.
	Cleanup string `json:"cleanup,omitempty"`
	// Error says in words why the run failed; "" when it did not.
	Error string `json:"error,omitempty"`
}

// sweepAfter is how old an unfinished copy on a target must be to be removed.
const sweepAfter = 24 * time.Hour

// Errors a caller decides on.
var (
	ErrNoJob        = errors.New("there is no server backup of that name")
	ErrJobExists    = errors.New("there is a server backup of that name already")
	ErrJobName      = errors.New("a server backup's name is 1 to 64 letters, digits, spaces, '-' or '_'")
	ErrNoTarget     = errors.New("say where to back up: a folder on an external drive, or an S3 bucket")
	ErrS3Plain      = errors.New("a backup to S3 is always encrypted: choose a passphrase")
	ErrOnPool       = errors.New("that folder is on one of the pool's drives; a backup must be on another disk")
	ErrRunning      = errors.New("that server backup is running already")
	ErrNoShares     = errors.New("choose at least one shared folder to back up")
	ErrMissingShare = errors.New("there is no such shared folder")
	ErrNotEncrypted = errors.New("the target holds a backup that is not encrypted; this job wants an encrypted one")
)

// Jobs keeps the server backups in a JSON file of the state folder and runs them.
type Jobs struct {
	path  string
	pool  *pool.Pool
	log   *slog.Logger
	now   func() time.Time
	loc   func() *time.Location // whose days the schedule and retention count
	every time.Duration         // how often Loop looks (checkEvery; tests shorten it)
	// Config, when set (before the jobs are used), is kept with each backup and can be
	// restored onto a new server.
	Config Configurer

	mu      sync.Mutex // the file
	running sync.Map   // job name → struct{}: one run of a job at a time
	// life is the daemon's lifetime, from Loop: runs Start begins end with it, so a
	// shutdown stops them (the next run resumes) instead of leaving them behind.
	lifeMu sync.Mutex
	life   context.Context
}

// OpenJobs returns the jobs kept at path (a file of the state folder). loc is the
// server's time zone (nil: the machine's), read at each use.
func OpenJobs(path string, p *pool.Pool, log *slog.Logger, loc func() *time.Location) *Jobs {
	if log == nil {
		log = slog.Default()
	}
	if loc == nil {
		loc = func() *time.Location { return time.Local }
	}
	return &Jobs{path: path, pool: p, log: log, now: time.Now, loc: loc, every: checkEvery}
}

func (j *Jobs) load() ([]Job, error) {
	data, err := os.ReadFile(j.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the server backups: %w", err)
	}
	var jobs []Job
	if err := json.Unmarshal(data, &jobs); err != nil {
		return nil, fmt.Errorf("read the server backups: %w", err)
	}
	return jobs, nil
}

func (j *Jobs) save(jobs []Job) error {
	data, err := json.MarshalIndent(jobs, "", " ")
	if err != nil {
		return err
	}
	// 0600: it holds the passphrases and the S3 keys.
	if err := atomicfile.Write(j.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save the server backups: %w", err)
	}
	return nil
}

// List returns the jobs without their secrets.
func (j *Jobs) List(ctx context.Context) ([]Job, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	jobs, err := j.load()
	now, loc := j.now(), j.loc()
	for i := range jobs {
		jobs[i] = redact(jobs[i])
		_, jobs[i].Running = j.running.Load(jobs[i].Name)
		jobs[i].NextRun = next(jobs[i], now, loc)
	}
	return jobs, err
}

func redact(job Job) Job {
	job.Passphrase = ""
	if job.Target.S3 != nil {
		s3 := *job.Target.S3
		s3.SecretKey = ""
		job.Target.S3 = &s3
	}
	return job
}

func checkJobName(name string) error {
	if name == "" || len([]rune(name)) > 64 || strings.TrimSpace(name) != name {
		return ErrJobName
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && r != '-' && r != '_' {
			return ErrJobName
		}
	}
	return nil
}

// Add checks a new job (its name, shares and target), makes its repository on the
// target (encrypted when asked: the recovery key is returned, to be shown once) and
// keeps it.
func (j *Jobs) Add(ctx context.Context, job Job) (recovery string, err error) {
	if err := checkJobName(job.Name); err != nil {
		return "", err
	}
	if (job.Target.Folder == "") == (job.Target.S3 == nil) {
		return "", ErrNoTarget
	}
	if job.Target.S3 != nil && !job.Encrypted {
		return "", ErrS3Plain
	}
	if job.Encrypted && len([]rune(job.Passphrase)) < 8 {
		return "", crypt.ErrNoPassphrase
	}
	if len(job.Shares) == 0 {
		return "", ErrNoShares
	}
	if err := checkSchedule(job); err != nil {
		return "", err
	}
	if job.Keep != nil {
		if err := job.Keep.Check(); err != nil {
			return "", err
		}
	}
	var missing []string
	for _, s := range job.Shares {
		if s == pool.BackupsShare {
			return "", errors.New("the PCs' backups are not backed up this way yet; choose other shared folders")
		}
		if _, err := j.pool.Stat(ctx, s); errors.Is(err, pool.ErrNotFound) || errors.Is(err, pool.ErrNoShare) {
			missing = append(missing, s)
		} else if err != nil {
			return "", err
		}
	}
	if f := job.Target.Folder; f != "" {
		abs, err := filepath.Abs(f)
		if err != nil {
			return "", err
		}
		job.Target.Folder = abs
		if err := j.notOnPool(ctx, abs); err != nil {
			return "", err
		}
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	jobs, err := j.load()
	if err != nil {
		return "", err
	}
	if slices.ContainsFunc(jobs, func(o Job) bool { return strings.EqualFold(o.Name, job.Name) }) {
		return "", ErrJobExists
	}
	st, err := openStorage(ctx, job.Target)
	if err != nil {
		return "", err
	}
	// A repository there already (a server rebuilt, a job made again) is used as it
	// is, if it opens: encrypted with this passphrase, or plain for a plain job.
	opened, cerr := crypt.Open(ctx, st, job.Passphrase)
	existing := !errors.Is(cerr, crypt.ErrNotEncrypted)
	switch {
	case job.Encrypted && !existing:
		if st, recovery, err = crypt.Init(ctx, st, job.Passphrase); err != nil {
			return "", err
		}
	case job.Encrypted && cerr != nil:
		return "", cerr
	case job.Encrypted:
		st = opened
	}
	r, err := repo.Open(ctx, st, j.log)
	if err != nil {
		return "", err // crypt.ErrEncrypted for a plain job on an encrypted backup
	}
	if len(missing) > 0 {
		// A share not here may be one the backup holds, to be restored (a new server
		// after a disaster); otherwise it is a mistake.
		if snaps, _ := r.Snapshots(ctx); len(snaps) == 0 {
			return "", &PlainError{Words: "there is no shared folder " + strings.Join(missing, ", "), Err: ErrMissingShare}
		}
	}
	job.Created = j.now()
	job.LastRun, job.LastSuccess, job.Running, job.NextRun = nil, time.Time{}, false, time.Time{}
	jobs = append(jobs, job)
	return recovery, j.save(jobs)
}

// notOnPool refuses a folder on a drive of the pool: a backup there would die with it.
func (j *Jobs) notOnPool(ctx context.Context, dir string) error {
	drives, err := j.pool.Drives(ctx)
	if err != nil {
		return err
	}
	// Through links: a folder elsewhere may be a link onto a pool drive. A folder not
	// there yet (the drive not plugged in) is compared as written.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for _, d := range drives {
		root := d.Path
		if real, err := filepath.EvalSymlinks(root); err == nil {
			root = real
		}
		if rel, err := filepath.Rel(root, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return ErrOnPool
		}
	}
	return nil
}

// Remove forgets a job. Its backups stay on the target.
func (j *Jobs) Remove(ctx context.Context, name string) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	jobs, err := j.load()
	if err != nil {
		return err
	}
	i := slices.IndexFunc(jobs, func(o Job) bool { return o.Name == name })
	if i < 0 {
		return ErrNoJob
	}
	return j.save(slices.Delete(jobs, i, i+1))
}

// Run runs a job now and records how it went.
func (j *Jobs) Run(ctx context.Context, name string) (RunInfo, error) {
	if _, busy := j.running.LoadOrStore(name, struct{}{}); busy {
		return RunInfo{}, ErrRunning
	}
	defer j.running.Delete(name)
	return j.runNow(ctx, name)
}

// Start starts a run of a job and returns at once; List shows it running from the
// moment Start returns (a page that follows the run sees it), and its LastRun when it
// is done. The run is not cut off with ctx (it goes on after the request that asked)
// but with the daemon, when Loop runs.
func (j *Jobs) Start(ctx context.Context, name string) error {
	j.mu.Lock()
	jobs, err := j.load()
	j.mu.Unlock()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(jobs, func(o Job) bool { return o.Name == name }) {
		return ErrNoJob
	}
	if _, busy := j.running.LoadOrStore(name, struct{}{}); busy {
		return ErrRunning
	}
	rctx := context.WithoutCancel(ctx)
	j.lifeMu.Lock()
	if j.life != nil {
		rctx = j.life
	}
	j.lifeMu.Unlock()
	go func() {
		defer j.running.Delete(name)
		j.runNow(rctx, name)
	}()
	return nil
}

// runNow runs a job its caller marked running.
func (j *Jobs) runNow(ctx context.Context, name string) (RunInfo, error) {
	j.mu.Lock()
	jobs, err := j.load()
	j.mu.Unlock()
	if err != nil {
		return RunInfo{}, err
	}
	i := slices.IndexFunc(jobs, func(o Job) bool { return o.Name == name })
	if i < 0 {
		return RunInfo{}, ErrNoJob
	}
	job := jobs[i]
	info := RunInfo{Started: j.now()}
	err = j.run(ctx, job, &info)
	info.Finished = j.now()
	if err != nil {
		j.log.Warn("a server backup failed", "job", name, "err", err)
		err = plainError(err)
		info.Error = err.Error()
	}
	if serr := j.record(name, info); serr != nil {
		j.log.Warn("the server backup's result could not be saved", "job", name, "err", serr)
	}
	return info, err
}

// run backs up, then lets go what the retention rule no longer keeps. A failed cleanup
// does not fail the run: the new backup is there.
func (j *Jobs) run(ctx context.Context, job Job, info *RunInfo) error {
	r, err := j.open(ctx, job)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	lctx, unlock, err := r.Lock(ctx, repo.LockOptions{Holder: "the server backup " + job.Name + " of " + host})
	if err != nil {
		return err
	}
	defer unlock()
	ctx = lctx
	id, snap, err := Run(ctx, j.pool, r, Options{Shares: job.Shares, Log: j.log, Now: j.now, Config: j.Config})
	if cause := context.Cause(ctx); err != nil && cause != nil && errors.Is(cause, repo.ErrLocked) {
		err = cause // the lock was lost: say so, not that the run was cancelled
	}
	if err != nil {
		return err
	}
	info.Snapshot, info.Files, info.Bytes, info.Added, info.Skipped = id.String(), snap.Files, snap.Bytes, snap.Added, snap.Skipped
	keep := repo.ServerPolicy
	if job.Keep != nil {
		keep = *job.Keep
	}
	gone, err := r.Forget(ctx, keep, j.loc())
	info.Forgotten = len(gone)
	if err == nil && len(gone) > 0 {
		var rep repo.PruneReport
		rep, err = r.Prune(ctx)
		info.Freed = rep.Bytes
	}
	if err != nil {
		info.Cleanup = "older backups could not be let go; the next run tries again"
		j.log.Warn("a server backup's cleanup failed", "job", job.Name, "err", err)
	}
	// What an earlier run cut off by a crash or a pulled drive left behind; a day
	// old, so nothing still being written is touched.
	if n, err := r.Sweep(ctx, j.now().Add(-sweepAfter)); err != nil {
		j.log.Warn("unfinished copies on a server backup's target could not be removed", "job", job.Name, "err", err)
	} else if n > 0 {
		j.log.Info("removed unfinished copies an interrupted run left on the target", "job", job.Name, "count", n)
	}
	return nil
}

// open opens a job's repository, with its key when it is encrypted.
func (j *Jobs) open(ctx context.Context, job Job) (*repo.Repo, error) {
	st, err := openStorage(ctx, job.Target)
	if err != nil {
		return nil, err
	}
	if f := job.Target.Folder; f != "" && !job.LastSuccess.IsZero() {
		// Backups were made there, and none is there now: the folder is most likely
		// the empty mount point of a drive that is not plugged in, on the server's own
		// disk. Writing there would fill that disk with a backup that is not where
		// the family thinks it is.
		if _, err := os.Stat(filepath.Join(f, "snapshots")); errors.Is(err, fs.ErrNotExist) {
			return nil, &TargetError{"the backup folder " + f + " holds none of the backups made to it; is the drive plugged in?", err}
		}
	}
	if job.Encrypted {
		if st, err = crypt.Open(ctx, st, job.Passphrase); err != nil {
			if errors.Is(err, crypt.ErrNotEncrypted) {
				err = ErrNotEncrypted
			}
			return nil, err
		}
	}
	return repo.Open(ctx, st, j.log)
}

// Check verifies what a job's target holds (repo.Check), reading every pack back
// with readData.
func (j *Jobs) Check(ctx context.Context, name string, readData bool) (repo.CheckReport, error) {
	j.mu.Lock()
	jobs, err := j.load()
	j.mu.Unlock()
	if err != nil {
		return repo.CheckReport{}, err
	}
	i := slices.IndexFunc(jobs, func(o Job) bool { return o.Name == name })
	if i < 0 {
		return repo.CheckReport{}, ErrNoJob
	}
	r, err := j.open(ctx, jobs[i])
	if err != nil {
		return repo.CheckReport{}, plainErrorOr(err, checkFailed)
	}
	rep, err := r.Check(ctx, readData)
	if err != nil {
		j.log.Warn("a server backup's check failed", "job", name, "err", err)
	}
	return rep, plainErrorOr(err, checkFailed)
}

// Restore brings shares back from a job's target into the pool (see Restore).
func (j *Jobs) Restore(ctx context.Context, name string, opt RestoreOptions) (RestoreStats, error) {
	j.mu.Lock()
	jobs, err := j.load()
	j.mu.Unlock()
	if err != nil {
		return RestoreStats{}, err
	}
	i := slices.IndexFunc(jobs, func(o Job) bool { return o.Name == name })
	if i < 0 {
		return RestoreStats{}, ErrNoJob
	}
	r, err := j.open(ctx, jobs[i])
	if err != nil {
		return RestoreStats{}, plainErrorOr(err, restoreFailed)
	}
	st, err := restore(ctx, j.pool, r, opt, j.Config)
	if err != nil {
		j.log.Warn("a server backup's restore failed", "job", name, "err", err)
	}
	return st, plainErrorOr(err, restoreFailed)
}

// record saves a run's result in its job (if the job is still there).
func (j *Jobs) record(name string, info RunInfo) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	jobs, err := j.load()
	if err != nil {
		return err
	}
	if i := slices.IndexFunc(jobs, func(o Job) bool { return o.Name == name }); i >= 0 {
		jobs[i].LastRun = &info
		if info.Error == "" {
			jobs[i].LastSuccess = info.Started
		}
		return j.save(jobs)
	}
	return nil
}

// openStorage opens a job's target. A folder target must exist: an external drive that
// is not plugged in must not be written to the empty folder it mounts on.
func openStorage(ctx context.Context, t Target) (storage.Storage, error) {
	if t.S3 != nil {
		s, err := s3store.New(ctx, s3store.Config{Endpoint: t.S3.Endpoint, Insecure: t.S3.Insecure, Region: t.S3.Region,
			Bucket: t.S3.Bucket, Prefix: t.S3.Prefix, AccessKey: t.S3.AccessKey, SecretKey: t.S3.SecretKey, Limit: t.S3.Limit})
		if errors.Is(err, s3store.ErrNoBucket) {
			return nil, &TargetError{"the bucket " + t.S3.Bucket + " is not on the S3 store; make it there first", err}
		}
		if err != nil {
			return nil, &TargetError{"the S3 store cannot be reached, or it refused the keys; check the address and the keys", err}
		}
		return s, nil
	}
	f, err := folder.New(t.Folder)
	if err != nil {
		return nil, &TargetError{"the backup folder " + t.Folder + " is not there; is the drive plugged in?", err}
	}
	return f, nil
}

// TargetError: the target cannot be used. Its text is for a person; the cause, for the
// log, is unwrapped.
type TargetError struct {
	Words string
	Err   error
}

func (e *TargetError) Error() string { return e.Words }
func (e *TargetError) Unwrap() error { return e.Err }
