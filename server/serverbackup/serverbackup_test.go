package serverbackup

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/backup/storage/s3store/s3test"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/zeebo/blake3"
)

// family fills two shares of a two-drive pool and returns what it wrote, by pool path.
func family(t *testing.T) (*pooltest.Env, map[string][]byte) {
	env := pooltest.New(t, 2)
	env.Share("Photos", 0)
	env.Share("Documents", 0)
	files := map[string][]byte{
		"Photos/2026/beach.jpg":          storagetest.Data(1, 6<<20),
		"Photos/2026/beach copy.jpg":     storagetest.Data(1, 6<<20),
		"Photos/2026/small.png":          storagetest.Data(2, 70_000),
		"Photos/cover.jpg":               storagetest.Data(3, 1<<20+17),
		"Documents/letters/grandma.txt":  []byte(strings.Repeat("Dear grandma,\n", 4000)),
		"Documents/letters/empty.txt":    nil,
		"Documents/taxes/2025/form.pdf":  storagetest.Data(4, 2_500_000),
		"Documents/Ünïcödé name ✓.odt":   []byte("unicode names survive"),
		"Documents/deep/a/b/c/d/e/f.txt": []byte("deep"),
	}
	for p, data := range files {
		mkdirs(t, env, filepath.Dir(p))
		env.Put(p, data)
	}
	return env, files
}

func mkdirs(t *testing.T, env *pooltest.Env, dir string) {
	if !strings.Contains(dir, "/") {
		return
	}
	if _, err := env.Pool.Stat(context.Background(), dir); err == nil {
		return
	}
	mkdirs(t, env, filepath.Dir(dir))
	env.Mkdir(dir)
}

// restoredHashes restores snapshot tree of r into a new folder and hashes every file
// there by its pool path.
func restoredHashes(t *testing.T, r *repo.Repo, tree [32]byte) map[string][32]byte {
	out := t.TempDir()
	if _, err := restorer.Restore(context.Background(), r, tree, "", out, restorer.Options{}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	got := map[string][32]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(out, p)
		got[filepath.ToSlash(rel)] = blake3.Sum256(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// The first end-to-end: shares backed up to a folder "drive" and to a real S3 server,
// read back by a fresh open of each (as a new server would), every file compared by
// hash; a second run stores nothing new.
func TestSharesBackedUpAndRestored(t *testing.T) {
	ctx := context.Background()
	env, files := family(t)
	srv := s3test.Start(t)
	targets := []struct {
		name string
		open func(t *testing.T) storage.Storage
	}{
		{"folder", func(t *testing.T) storage.Storage {
			f, err := folder.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return f
		}},
		{"s3", func(t *testing.T) storage.Storage {
			s, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1",
				Bucket: srv.Bucket(t), Prefix: "hearth", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, PartSize: 5 << 20})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.open(t)
			r, err := repo.Open(ctx, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			id, snap, err := Run(ctx, env.Pool, r, Options{Shares: []string{"Photos", "Documents"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Skipped) > 0 || snap.Files != int64(len(files)) {
				t.Fatalf("backed up %d files of %d, skipped %v", snap.Files, len(files), snap.Skipped)
			}
			fresh, err := repo.Open(ctx, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := restoredHashes(t, fresh, snap.Tree)
			if len(got) != len(files) {
				t.Errorf("restored %d files, want %d: %v", len(got), len(files), keys(got))
			}
			for p, data := range files {
				if h, ok := got[p]; !ok || h != blake3.Sum256(data) {
					t.Errorf("%s: restored %v, differs from the share's", p, ok)
				}
			}
			// Nothing changed: the next run reads nothing again and stores no data.
			_, again, err := Run(ctx, env.Pool, fresh, Options{Shares: []string{"Documents", "Photos"}})
			if err != nil {
				t.Fatal(err)
			}
			if again.Added != 0 || again.Parent == nil || *again.Parent != id || again.Tree != snap.Tree {
				t.Errorf("a run with nothing changed added %d bytes (parent %v, same tree %v)", again.Added, again.Parent, again.Tree == snap.Tree)
			}
		})
	}
}

// The shares are read through the pool: a copy rotted on one drive is backed up from
// the good one, and a file bad on every drive is reported as skipped, never backed up
// with wrong bytes.
func TestBackupReadsThroughThePool(t *testing.T) {
	ctx := context.Background()
	env, files := family(t)
	pooltest.FlipByte(t, pooltest.OnDisk(env.Drives[0], "Photos/cover.jpg"), 5000)
	for _, d := range env.Drives {
		pooltest.FlipByte(t, pooltest.OnDisk(d, "Documents/taxes/2025/form.pdf"), 2_000_000)
	}
	st, err := folder.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := repo.Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, snap, err := Run(ctx, env.Pool, r, Options{Shares: []string{"Photos", "Documents"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Skipped) != 1 || !strings.Contains(snap.Skipped[0], "form.pdf") {
		t.Errorf("skipped %v, want the file damaged on both drives", snap.Skipped)
	}
	got := restoredHashes(t, r, snap.Tree)
	if got["Photos/cover.jpg"] != blake3.Sum256(files["Photos/cover.jpg"]) {
		t.Error("the file rotted on one drive was backed up wrong")
	}
	if _, ok := got["Documents/taxes/2025/form.pdf"]; ok {
		t.Error("the file damaged on every drive was backed up")
	}
}

func keys(m map[string][32]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// An encrypted backup on S3: the store holds no share name or file content in the
// clear, the backup restores with its passphrase (on a fresh open, as another server
// would), and a wrong passphrase is refused in words before anything is read.
func TestEncryptedBackupOnS3(t *testing.T) {
	ctx := context.Background()
	env, files := family(t)
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	s3, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1",
		Bucket: bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	sealed, recovery, err := crypt.Init(ctx, s3, "our family passphrase")
	if err != nil {
		t.Fatal(err)
	}
	r, err := repo.Open(ctx, sealed, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, snap, err := Run(ctx, env.Pool, r, Options{Shares: []string{"Photos", "Documents"}})
	if err != nil {
		t.Fatal(err)
	}
	// What the store holds, as the posix backend keeps it, reveals neither the shares'
	// names nor a file's text.
	err = filepath.WalkDir(filepath.Join(srv.Dir, bucket), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) == crypt.ConfigName {
			return err
		}
		data, err := os.ReadFile(p)
		if bytes.Contains(data, []byte("Documents")) || bytes.Contains(data, []byte("Dear grandma")) {
			t.Errorf("%s holds plain text of the backup", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Open(ctx, s3, nil); !errors.Is(err, crypt.ErrEncrypted) {
		t.Errorf("opening the encrypted backup without its key: %v, want ErrEncrypted", err)
	}
	if _, err := crypt.Open(ctx, s3, "not our passphrase"); !errors.Is(err, crypt.ErrWrongPassphrase) {
		t.Errorf("a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	for _, open := range []func() (*crypt.Storage, error){
		func() (*crypt.Storage, error) { return crypt.Open(ctx, s3, "our family passphrase") },
		func() (*crypt.Storage, error) { return crypt.OpenRecovery(ctx, s3, recovery) },
	} {
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := repo.Open(ctx, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := restoredHashes(t, fresh, snap.Tree)
		for p, data := range files {
			if got[p] != blake3.Sum256(data) {
				t.Errorf("%s: not restored as it was", p)
			}
		}
	}
}
