package serverbackup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/s3store/s3test"
)

// A job to a folder: made, run twice (the second stores nothing new), listed with its
// last run, and removed leaving its backups on the target.
func TestFolderJob(t *testing.T) {
	ctx := context.Background()
	env, files := family(t)
	state := t.TempDir()
	jobs := OpenJobs(filepath.Join(state, "serverbackup.json"), env.Pool, nil, nil)
	target := t.TempDir()
	job := Job{Name: "USB disk", Target: Target{Folder: target}, Shares: []string{"Photos", "Documents"}}
	if rec, err := jobs.Add(ctx, job); err != nil || rec != "" {
		t.Fatalf("add: %q, %v", rec, err)
	}
	if _, err := jobs.Add(ctx, job); !errors.Is(err, ErrJobExists) {
		t.Errorf("the same name again: %v, want ErrJobExists", err)
	}
	first, err := jobs.Run(ctx, "USB disk")
	if err != nil {
		t.Fatal(err)
	}
	if first.Files != int64(len(files)) || first.Added == 0 || first.Error != "" {
		t.Errorf("first run: %+v", first)
	}
	second, err := jobs.Run(ctx, "USB disk")
	if err != nil || second.Added != 0 {
		t.Errorf("second run: %+v, %v", second, err)
	}
	list, err := jobs.List(ctx)
	if err != nil || len(list) != 1 || list[0].LastRun == nil || list[0].LastRun.Snapshot != second.Snapshot {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if st, err := os.Stat(filepath.Join(state, "serverbackup.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the jobs file: %v, %v; want mode 0600", st, err)
	}
	if err := jobs.Remove(ctx, "USB disk"); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Run(ctx, "USB disk"); !errors.Is(err, ErrNoJob) {
		t.Errorf("running a removed job: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(target, "snapshots")); len(entries) != 2 {
		t.Errorf("after removing the job the target holds %d backups, want 2", len(entries))
	}
}

func TestJobRefusals(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	gone := filepath.Join(t.TempDir(), "not-plugged-in")
	// A link elsewhere to a folder on a pool drive is still on the pool drive.
	link := filepath.Join(t.TempDir(), "looks-elsewhere")
	if err := os.MkdirAll(filepath.Join(env.Drives[1], "backup"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(env.Drives[1], "backup"), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		what string
		job  Job
		want error
	}{
		{"no name", Job{Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos"}}, ErrJobName},
		{"a slash in the name", Job{Name: "a/b", Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos"}}, ErrJobName},
		{"no target", Job{Name: "x", Shares: []string{"Photos"}}, ErrNoTarget},
		{"S3 without encryption", Job{Name: "x", Target: Target{S3: &S3Target{Endpoint: "127.0.0.1:1", Bucket: "b"}}, Shares: []string{"Photos"}}, ErrS3Plain},
		{"a short passphrase", Job{Name: "x", Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos"}, Encrypted: true, Passphrase: "short"}, crypt.ErrNoPassphrase},
		{"a folder on a pool drive", Job{Name: "x", Target: Target{Folder: filepath.Join(env.Drives[0], "backup")}, Shares: []string{"Photos"}}, ErrOnPool},
		{"a link to a folder on a pool drive", Job{Name: "x", Target: Target{Folder: link}, Shares: []string{"Photos"}}, ErrOnPool},
	}
	for _, tc := range tests {
		if _, err := jobs.Add(ctx, tc.job); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.what, err, tc.want)
		}
	}
	_, err := jobs.Add(ctx, Job{Name: "x", Target: Target{Folder: gone}, Shares: []string{"Photos"}})
	var te *TargetError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "plugged in") {
		t.Errorf("a drive not plugged in: %v", err)
	}
	if _, err := jobs.Add(ctx, Job{Name: "x", Target: Target{Folder: t.TempDir()}, Shares: []string{"Nope"}}); err == nil {
		t.Error("a share that does not exist was taken")
	}
}

// A job to S3 is encrypted: the recovery key is given once, List shows no secret, a
// run backs up, and a second job on the same bucket with another passphrase is
// refused.
func TestEncryptedS3Job(t *testing.T) {
	ctx := context.Background()
	env, files := family(t)
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	target := Target{S3: &S3Target{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1", Bucket: bucket, Prefix: "hearth",
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}}
	rec, err := jobs.Add(ctx, Job{Name: "offsite", Target: target, Shares: []string{"Photos", "Documents"}, Encrypted: true, Passphrase: "our family passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crypt.ParseRecoveryKey(rec); err != nil {
		t.Errorf("the recovery key %q: %v", rec, err)
	}
	info, err := jobs.Run(ctx, "offsite")
	if err != nil || info.Files != int64(len(files)) {
		t.Fatalf("run: %+v, %v", info, err)
	}
	list, _ := jobs.List(ctx)
	if len(list) != 1 || list[0].Passphrase != "" || list[0].Target.S3.SecretKey != "" {
		t.Errorf("List shows secrets: %+v", list)
	}
	_, err = jobs.Add(ctx, Job{Name: "other", Target: target, Shares: []string{"Photos"}, Encrypted: true, Passphrase: "another passphrase"})
	if !errors.Is(err, crypt.ErrWrongPassphrase) {
		t.Errorf("a second job on the bucket with another passphrase: %v, want ErrWrongPassphrase", err)
	}
}

// After each run the job's retention rule lets older backups go on the target; what the
// kept one needs stays, and checks whole.
func TestJobRetention(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	target := t.TempDir()
	if _, err := jobs.Add(ctx, Job{Name: "drive", Target: Target{Folder: target}, Shares: []string{"Photos"}, Keep: &backup.Policy{Last: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Add(ctx, Job{Name: "bad", Target: Target{Folder: t.TempDir()}, Shares: []string{"Photos"}, Keep: &backup.Policy{Last: -1}}); err == nil {
		t.Error("a rule keeping -1 backups was taken")
	}
	if _, err := jobs.Run(ctx, "drive"); err != nil {
		t.Fatal(err)
	}
	env.Put("Photos/new.jpg", []byte("a new photo"))
	info, err := jobs.Run(ctx, "drive")
	if err != nil || info.Forgotten != 1 || info.Cleanup != "" {
		t.Fatalf("second run: %+v, %v", info, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(target, "snapshots")); len(entries) != 1 {
		t.Errorf("the target keeps %d backups, want 1", len(entries))
	}
	rep, err := jobs.Check(ctx, "drive", true)
	if err != nil || len(rep.Problems) > 0 || rep.Snapshots != 1 {
		t.Errorf("check after the cleanup: %+v, %v", rep, err)
	}
}

// Two jobs writing one target take turns: while one holds the target, the other is
// refused in words rather than pruning packs the first has not recorded yet.
func TestTargetLocked(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	target := t.TempDir()
	for _, name := range []string{"one", "two"} {
		if _, err := jobs.Add(ctx, Job{Name: name, Target: Target{Folder: target}, Shares: []string{"Photos"}}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := folder.New(target)
	if err != nil {
		t.Fatal(err)
	}
	r, err := repo.Open(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, unlock, err := r.Lock(ctx, repo.LockOptions{Holder: "the server backup one of another server"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := jobs.Run(ctx, "two")
	if !errors.Is(err, repo.ErrLocked) || !strings.Contains(info.Error, "another backup is using this target") {
		t.Errorf("a run while the target is held: %v (%q)", err, info.Error)
	}
	unlock()
	if _, err := jobs.Run(ctx, "two"); err != nil {
		t.Errorf("a run once it is free: %v", err)
	}
}

// A run that fails for a reason of the file system says so in words: RunInfo.Error (the
// console shows it) and the error (the CLI prints it) name no object, path or call,
// while errors.Is still finds the cause.
func TestPlainErrorInWords(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	target := t.TempDir()
	if _, err := jobs.Add(ctx, Job{Name: "disk", Target: Target{Folder: target}, Shares: []string{"Photos"}}); err != nil {
		t.Fatal(err)
	}
	// A file where the packs' folder goes: every pack's put fails in mkdir.
	if err := os.WriteFile(filepath.Join(target, "packs"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := jobs.Run(ctx, "disk")
	if err == nil {
		t.Fatal("a run onto a target whose packs folder is a file succeeded")
	}
	for _, text := range []string{info.Error, err.Error()} {
		if text == "" || strings.Contains(text, "packs") || strings.Contains(text, target) || strings.Contains(text, "mkdir") {
			t.Errorf("the failure reads %q; want words for a person", text)
		}
	}
	if !errors.Is(err, syscall.ENOTDIR) {
		t.Errorf("the cause is lost: %v", errors.Unwrap(err))
	}
	list, _ := jobs.List(ctx)
	if len(list) != 1 || list[0].LastRun == nil || list[0].LastRun.Error != info.Error {
		t.Errorf("the recorded run: %+v", list)
	}
}

// A restore that meets a pack gone from the target says so in words, naming no object;
// errors.Is still finds the cause. (A check reports such a pack in its report.)
func TestRestoreErrorInWords(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	target := t.TempDir()
	if _, err := jobs.Add(ctx, Job{Name: "disk", Target: Target{Folder: target}, Shares: []string{"Photos"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Run(ctx, "disk"); err != nil {
		t.Fatal(err)
	}
	packs, _ := filepath.Glob(filepath.Join(target, "packs", "*", "*"))
	if len(packs) == 0 {
		t.Fatal("no pack on the target")
	}
	for _, p := range packs {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	_, err := jobs.Restore(ctx, "disk", RestoreOptions{})
	if err == nil {
		t.Fatal("a restore with every pack gone: no error")
	}
	if text := err.Error(); strings.Contains(text, "packs") || strings.Contains(text, target) || !strings.Contains(text, "damaged or missing") {
		t.Errorf("the failure reads %q; want words for a person", text)
	}
	if !errors.Is(err, repo.ErrNoBlob) && !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the cause is lost: %v", errors.Unwrap(err))
	}
}

// A drive not plugged in leaves its mount point, an empty folder on the server's own
// disk: once backups were made to the folder, a run there refuses in words and writes
// nothing, rather than back up onto the system disk.
func TestEmptyMountPointRefused(t *testing.T) {
	ctx := context.Background()
	env, _ := family(t)
	jobs := OpenJobs(filepath.Join(t.TempDir(), "serverbackup.json"), env.Pool, nil, nil)
	mount := filepath.Join(t.TempDir(), "usb")
	if err := os.Mkdir(mount, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Add(ctx, Job{Name: "disk", Target: Target{Folder: mount}, Shares: []string{"Photos"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Run(ctx, "disk"); err != nil {
		t.Fatal(err)
	}
	// Unplugged: the drive's files go with it, the empty mount point stays.
	if err := os.Rename(mount, mount+".unplugged"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(mount, 0o755); err != nil {
		t.Fatal(err)
	}
	info, err := jobs.Run(ctx, "disk")
	var te *TargetError
	if !errors.As(err, &te) || !strings.Contains(info.Error, "plugged in") {
		t.Errorf("a run onto the empty mount point: %v (%q)", err, info.Error)
	}
	if entries, _ := os.ReadDir(mount); len(entries) != 0 {
		t.Errorf("the run wrote %d entries onto the server's own disk", len(entries))
	}
}
