package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/backup/storage/s3store/s3test"
	"github.com/hearth-home/hearth/internal/plainwords"
)

// backUpInto makes a backup of a folder of photos into st, as a server backup would,
// and returns the folder and the path of the photos inside the backup.
func backUpInto(t *testing.T, st storage.Storage) (string, string) {
	src := filepath.Join(t.TempDir(), "Photos")
	os.MkdirAll(filepath.Join(src, "2026"), 0o755)
	os.WriteFile(filepath.Join(src, "2026", "beach.jpg"), bytes.Repeat([]byte("sand"), 300_000), 0o644)
	os.WriteFile(filepath.Join(src, "cover.jpg"), []byte("a cover"), 0o644)
	ctx := context.Background()
	r, err := repo.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := archiver.Run(ctx, r, archiver.Options{PC: "server", Paths: []string{src}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SaveSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	return src, strings.TrimPrefix(filepath.ToSlash(src), "/")
}

func sameFiles(t *testing.T, want, got string) {
	t.Helper()
	for _, f := range []string{"2026/beach.jpg", "cover.jpg"} {
		a, _ := os.ReadFile(filepath.Join(want, f))
		b, err := os.ReadFile(filepath.Join(got, f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s: restored differs (%v)", f, err)
		}
	}
}

// hearth restore -repo reads a server backup with no server: from the external drive
// plugged into this PC, and from an encrypted S3 bucket with the passphrase or the
// recovery key; a wrong passphrase is refused in words.
func TestRestoreFromRepoWithoutServer(t *testing.T) {
	drive := t.TempDir()
	f, err := folder.New(drive)
	if err != nil {
		t.Fatal(err)
	}
	src, sub := backUpInto(t, f)
	to := filepath.Join(t.TempDir(), "out")
	out, code := hearth(t, "", "restore", "-repo", drive, "-to", to, "latest", sub)
	if code != 0 || !strings.Contains(out, "Restored 2 files") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	sameFiles(t, src, filepath.Join(to, "Photos"))
	said := []string{out}

	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s3, err := s3store.New(context.Background(), s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Bucket: bucket, Prefix: "hearth",
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	sealed, recovery, err := crypt.Init(context.Background(), s3, "our family passphrase")
	if err != nil {
		t.Fatal(err)
	}
	src, sub = backUpInto(t, sealed)
	t.Setenv(s3AccessEnv, srv.AccessKey)
	t.Setenv(s3SecretEnv, srv.SecretKey)
	spec := "s3+http://" + srv.Endpoint + "/" + bucket + "/hearth"
	for _, secret := range []string{"our family passphrase", recovery} {
		to := filepath.Join(t.TempDir(), "out")
		out, code := hearth(t, secret+"\n", "restore", "-repo", spec, "-to", to, "latest", sub)
		said = append(said, out)
		if code != 0 || !strings.Contains(out, "Restored 2 files") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		sameFiles(t, src, filepath.Join(to, "Photos"))
	}
	out, code = hearth(t, "not it at all\n", "restore", "-repo", spec, "-to", filepath.Join(t.TempDir(), "no"), "latest")
	said = append(said, out)
	if code == 0 || !strings.Contains(out, "not the passphrase of this backup") {
		t.Errorf("a wrong passphrase: exit %d\n%s", code, out)
	}
	out, code = hearth(t, "", "restore", "-repo", filepath.Join(t.TempDir(), "unplugged"), "-to", t.TempDir(), "latest")
	said = append(said, out)
	if code == 0 || !strings.Contains(out, "is the drive plugged in?") {
		t.Errorf("a drive not there: exit %d\n%s", code, out)
	}
	for _, s := range said {
		if bad := plainwords.Find(s); len(bad) > 0 {
			t.Errorf("not plain words %v in:\n%s", bad, s)
		}
	}
}

// A secret key written into the address of hearth restore -repo (where every user of
// the PC can read it in the process list) is refused in words, never used.
func TestRepoSecretNotInAddress(t *testing.T) {
	_, err := openRepoStorage(context.Background(), "s3://KEY:hush-hush-42@127.0.0.1:1/bucket")
	if err == nil || !strings.Contains(err.Error(), "do not write the S3 secret key in the address") || strings.Contains(err.Error(), "hush-hush-42") {
		t.Fatalf("a secret key in the address: %v", err)
	}
}
