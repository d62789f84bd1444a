package admin

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
)

// One job of a kind runs at a time; another kind may run beside it; a finished job
// keeps its result; a stopped one is failed.
func TestJobsOneOfAKind(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	j := NewJobs(ctx, nil, nil)
	release := make(chan struct{})
	first, err := j.start(JobScrub, "", func(ctx context.Context) (string, error) {
		<-release
		return "all good", nil
	})
	if err != nil || first.State != JobRunning {
		t.Fatalf("first start: %+v, %v", first, err)
	}
	if _, err := j.start(JobScrub, "", func(context.Context) (string, error) { return "", nil }); !errors.Is(err, ErrJobRunning) {
		t.Errorf("a second scrub while one runs: %v, want ErrJobRunning", err)
	}
	stopped, err := j.start(JobRepair, "", func(ctx context.Context) (string, error) {
		<-ctx.Done()
		return "stopped", ctx.Err()
	})
	if err != nil {
		t.Fatalf("a repair beside the scrub: %v", err)
	}
	close(release)
	cancel()
	j.Wait()
	byID := map[int64]Job{}
	for _, job := range j.List() {
		byID[job.ID] = job
	}
	if got := byID[first.ID]; got.State != JobDone || got.Result != "all good" || got.Finished.IsZero() {
		t.Errorf("finished scrub: %+v", got)
	}
	if got := byID[stopped.ID]; got.State != JobFailed || got.Error == "" {
		t.Errorf("stopped repair: %+v", got)
	}
	if _, err := j.start(JobScrub, "", func(context.Context) (string, error) { return "", nil }); err != nil {
		t.Errorf("a scrub after the first finished: %v", err)
	}
}

func TestEstimateLeft(t *testing.T) {
	for _, c := range []struct {
		name    string
		elapsed time.Duration
		counts  pool.ProgressCounts
		want    time.Duration
	}{
		{"nothing done yet", time.Minute, pool.ProgressCounts{BytesTotal: 100, FilesTotal: 10}, 0},
		{"a quarter of the bytes", time.Minute, pool.ProgressCounts{BytesDone: 25, BytesTotal: 100, FilesDone: 9, FilesTotal: 10}, 3 * time.Minute},
		{"no byte total: by files", time.Minute, pool.ProgressCounts{FilesDone: 1, FilesTotal: 3}, 2 * time.Minute},
		{"all done", time.Minute, pool.ProgressCounts{BytesDone: 100, BytesTotal: 100}, 0},
		{"more done than counted at start", time.Minute, pool.ProgressCounts{FilesDone: 12, FilesTotal: 10}, 0},
	} {
		if got := estimateLeft(c.elapsed, c.counts); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
