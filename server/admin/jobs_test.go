package admin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
)

// control is the running server's service over its control socket, as the commands and
// the console's other processes reach it.
func control(t *testing.T, s *apptest.Server) admin.Service {
	t.Helper()
	c, err := admin.Dial(context.Background(), paths.Socket(s.State))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func putFiles(t *testing.T, svc admin.Service, n, size int) int64 {
	t.Helper()
	var total int64
	for i := range n {
		data := bytes.Repeat([]byte{byte(i)}, size+i)
		if _, err := svc.Put(context.Background(), fmt.Sprintf("Documents/f%d", i), bytes.NewReader(data), int64(len(data)), time.Time{}); err != nil {
			t.Fatal(err)
		}
		total += int64(len(data))
	}
	return total
}

// waitJob polls Jobs until the job is no longer running.
func waitJob(t *testing.T, svc admin.Service, id int64) admin.Job {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		jobs, err := svc.Jobs(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.ID == id && j.State != admin.JobRunning {
				return j
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still runs: %+v", id, jobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A scrub started from the console runs in the daemon and counts every file and byte of
// the pool; a second start while it runs is refused or it has finished (never two).
func TestScrubJobReachesDone(t *testing.T) {
	s := apptest.Start(t)
	svc := control(t, s)
	ctx := context.Background()
	bytesPut := putFiles(t, svc, 20, 10_000)
	job, err := svc.StartScrub(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if job.Kind != admin.JobScrub || job.State != admin.JobRunning {
		t.Errorf("started job: %+v", job)
	}
	if _, err := svc.StartScrub(ctx); err != nil && !errors.Is(err, admin.ErrJobRunning) {
		t.Errorf("a second scrub: %v", err)
	}
	done := waitJob(t, svc, job.ID)
	if done.State != admin.JobDone || !strings.Contains(done.Result, "Every copy is good") {
		t.Errorf("finished scrub: %+v", done)
	}
	if done.FilesDone != 20 || done.FilesTotal != 20 || done.BytesDone != bytesPut || done.BytesTotal != bytesPut {
		t.Errorf("scrub progress %+v, want 20 files and %d bytes of 20 and %d", done.ProgressCounts, bytesPut, bytesPut)
	}
	rep, err := svc.StartRepair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := waitJob(t, svc, rep.ID); r.State != admin.JobDone || r.FilesDone != 20 || r.Result == "" {
		t.Errorf("finished repair: %+v", r)
	}
}

// A drive removal started from the console moves the drive's files off it in the
// background, counting them, and the drive is gone at the end. An unknown drive is
// refused at once.
func TestRemoveDriveJob(t *testing.T) {
	s := apptest.Start(t)
	svc := control(t, s)
	ctx := context.Background()
	disk := filepath.Join(t.TempDir(), "disk2")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	second, err := svc.AddDrive(ctx, disk, "disk2")
	if err != nil {
		t.Fatal(err)
	}
	putFiles(t, svc, 12, 5000) // Documents keeps 2 copies: every file is on disk2 too
	if _, err := svc.StartRemoveDrive(ctx, "no-such-disk", pool.RemoveOptions{}); !errors.Is(err, pool.ErrDriveUnknown) {
		t.Errorf("removing an unknown drive: %v, want ErrDriveUnknown", err)
	}
	ds, _ := svc.Drives(ctx)
	var want pool.DriveInfo
	for _, d := range ds {
		if d.Label == second.Label {
			want = d
		}
	}
	// Two drives only: Documents would keep a single copy, which needs Force.
	if _, err := svc.StartRemoveDrive(ctx, "disk2", pool.RemoveOptions{}); !errors.Is(err, pool.ErrRefused) {
		t.Errorf("removing the second of two drives of a duplicated pool: %v, want a refusal", err)
	}
	job, err := svc.StartRemoveDrive(ctx, "disk2", pool.RemoveOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if job.Kind != admin.JobRemoveDrive || job.Subject != "disk2" {
		t.Errorf("started job: %+v", job)
	}
	done := waitJob(t, svc, job.ID)
	if done.State != admin.JobDone || !strings.Contains(done.Result, "Drive disk2 is removed") {
		t.Errorf("finished removal: %+v", done)
	}
	if done.FilesTotal != want.Files || done.BytesTotal != want.Bytes || done.FilesDone != want.Files || done.BytesDone != want.Bytes {
		t.Errorf("removal progress %+v, want %d files and %d bytes", done.ProgressCounts, want.Files, want.Bytes)
	}
	ds, _ = svc.Drives(ctx)
	for _, d := range ds {
		if d.Label == "disk2" {
			t.Errorf("disk2 is still in the pool: %+v", d)
		}
	}
}

// Without a running server, nothing can run in the background.
func TestJobsNeedTheDaemon(t *testing.T) {
	if _, err := (admin.Local{}).StartScrub(context.Background()); !errors.Is(err, admin.ErrNoDaemon) {
		t.Errorf("StartScrub without a daemon: %v", err)
	}
}
