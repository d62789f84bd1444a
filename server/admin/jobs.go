package admin

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/pool"
)

// JobKind is a kind of long work the server runs in the background for the console.
type JobKind string

const (
	JobScrub       JobKind = "scrub"        // read every copy and check it
	JobRepair      JobKind = "repair"       // bring every file to its copies
	JobRemoveDrive JobKind = "remove-drive" // move a drive's files off it and release it
)

// JobState says where a job is.
type JobState string

const (
	JobRunning JobState = "running"
	JobDone    JobState = "done"
	JobFailed  JobState = "failed"
)

// Job is a piece of long work and how far it has come.
type Job struct {
	ID      int64
	Kind    JobKind
	Subject string // the drive's label, for a drive removal; "" for the whole pool
	State   JobState
	Started time.Time
	// Finished is zero while the job runs.
	Finished time.Time
	pool.ProgressCounts
	// Left estimates the time left from the pace so far (0: not known yet, or done).
	Left time.Duration
	// Result is a sentence for the family: what the job found or did, or that it stopped.
	Result string
	// Error is what stopped a failed job, for the log; it is not for a page.
	Error string `json:",omitempty"`
}

// Errors a person can act on.
var (
	// ErrJobRunning: a job of that kind runs already; its progress is in Jobs.
	ErrJobRunning = errors.New("that is already running; its progress is shown with the server's jobs")
	// ErrNoDaemon: background jobs need the running server (a command that opened the
	// pool itself would close it when it ends).
	ErrNoDaemon = errors.New("the server is not running; start it first")
)

// JobEventKind is the kind of the event each ended job is recorded as.
const JobEventKind = "storage"

// keepJobs is how many finished jobs are remembered.
const keepJobs = 20

// Jobs runs long work in the background of the daemon, one job of a kind at a time, and
// remembers the recent ones. Their context is the daemon's, not the request's that
// started them: they go on after the page that asked has gone, and stop with the server.
type Jobs struct {
	ctx  context.Context
	log  *slog.Logger
	done func(Job) // told of each job that ended (for the event log); may be nil
	wg   sync.WaitGroup

	mu     sync.Mutex
	nextID int64
	jobs   []*runningJob // oldest first
}

type runningJob struct {
	job  Job
	prog pool.Progress
}

// NewJobs returns a job runner whose jobs run under ctx (the daemon's run); done, when
// not nil, is told of each job as it ends.
func NewJobs(ctx context.Context, log *slog.Logger, done func(Job)) *Jobs {
	return &Jobs{ctx: ctx, log: log, done: done}
}

// Wait waits for the running jobs to stop (after the daemon's context ended).
func (j *Jobs) Wait() { j.wg.Wait() }

// start runs fn in the background as a job of kind about subject; fn returns the result
// sentence. It refuses while a job of the same kind runs.
func (j *Jobs) start(kind JobKind, subject string, fn func(ctx context.Context) (string, error)) (Job, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range j.jobs {
		if r.job.Kind == kind && r.job.State == JobRunning {
			return r.job, ErrJobRunning
		}
	}
	j.nextID++
	r := &runningJob{job: Job{ID: j.nextID, Kind: kind, Subject: subject, State: JobRunning, Started: time.Now()}}
	j.jobs = append(j.jobs, r)
	if extra := len(j.jobs) - keepJobs; extra > 0 {
		j.forgetFinished(extra)
	}
	ctx := pool.WithProgress(j.ctx, &r.prog)
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		result, err := fn(ctx)
		j.mu.Lock()
		r.job.Finished, r.job.Result, r.job.State = time.Now(), result, JobDone
		if err != nil {
			r.job.State, r.job.Error = JobFailed, err.Error()
			if result == "" { // say why in the words the API would
				_, _, r.job.Result = problem.Of(err)
			}
			if j.log != nil && ctx.Err() == nil {
				j.log.Warn("a background job failed", "job", kind, "subject", subject, "err", err)
			}
		}
		ended := r.snapshot(time.Now())
		j.mu.Unlock()
		if j.done != nil {
			j.done(ended)
		}
	}()
	return r.snapshot(time.Now()), nil
}

// forgetFinished drops the n oldest finished jobs.
func (j *Jobs) forgetFinished(n int) {
	kept := j.jobs[:0]
	for _, r := range j.jobs {
		if n > 0 && r.job.State != JobRunning {
			n--
			continue
		}
		kept = append(kept, r)
	}
	j.jobs = kept
}

// List returns the running and recent jobs, newest first.
func (j *Jobs) List() []Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := time.Now()
	out := make([]Job, 0, len(j.jobs))
	for i := len(j.jobs) - 1; i >= 0; i-- {
		out = append(out, j.jobs[i].snapshot(now))
	}
	return out
}

// snapshot is the job as it stands at now, with its estimate of the time left.
func (r *runningJob) snapshot(now time.Time) Job {
	job := r.job
	job.ProgressCounts = r.prog.Counts()
	if job.State == JobRunning {
		job.Left = estimateLeft(now.Sub(job.Started), job.ProgressCounts)
	}
	return job
}

// estimateLeft is the time the rest takes at the pace so far: by bytes when their total
// is known, else by files. 0 when nothing is done yet to judge the pace by.
func estimateLeft(elapsed time.Duration, c pool.ProgressCounts) time.Duration {
	done, total := c.BytesDone, c.BytesTotal
	if total <= 0 || done <= 0 {
		done, total = c.FilesDone, c.FilesTotal
	}
	if done <= 0 || total <= done {
		return 0
	}
	return time.Duration(float64(elapsed) * float64(total-done) / float64(done)).Round(time.Second)
}
