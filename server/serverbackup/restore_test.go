package serverbackup

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/backup/storage/s3store/s3test"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/zeebo/blake3"
)

// The shares come back onto a brand-new pool from a folder "drive" and, separately,
// from an encrypted backup on S3: each share made anew and every file equal by hash
// with its time; restored again over them, the files go to a new folder beside the
// family's, which nothing overwrites.
func TestRestoreOntoNewPool(t *testing.T) {
	ctx := context.Background()
	old, files := family(t)
	srv := s3test.Start(t)
	targets := []struct {
		name string
		open func(t *testing.T) *repo.Repo
	}{
		{"folder", func(t *testing.T) *repo.Repo {
			f, err := folder.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return openRepo(t, f)
		}},
		{"s3 encrypted", func(t *testing.T) *repo.Repo {
			s, err := s3store.New(ctx, s3store.Config{Endpoint: srv.Endpoint, Insecure: true, Region: "us-east-1",
				Bucket: srv.Bucket(t), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
			if err != nil {
				t.Fatal(err)
			}
			sealed, _, err := crypt.Init(ctx, s, "our family passphrase")
			if err != nil {
				t.Fatal(err)
			}
			return openRepo(t, sealed)
		}},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.open(t)
			if _, _, err := Run(ctx, old.Pool, r, Options{Shares: []string{"Photos", "Documents"}}); err != nil {
				t.Fatal(err)
			}
			fresh := pooltest.New(t, 2)
			st, err := Restore(ctx, fresh.Pool, r, RestoreOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if st.Files != int64(len(files)) || strings.Join(st.Places, ",") != "Documents,Photos" {
				t.Fatalf("restored %+v", st)
			}
			for p, data := range files {
				if got := fresh.Get(p); blake3.Sum256(got) != blake3.Sum256(data) {
					t.Errorf("%s: restored differs", p)
				}
				was, _ := old.Pool.Stat(ctx, p)
				now, _ := fresh.Pool.Stat(ctx, p)
				if !now.ModTime.Equal(was.ModTime) {
					t.Errorf("%s: modified %v, was %v", p, now.ModTime, was.ModTime)
				}
			}
			// Again, now that the shares exist: beside the family's files, not over them.
			fresh.Put("Photos/cover.jpg.new", []byte("the family's own"))
			again, err := Restore(ctx, fresh.Pool, r, RestoreOptions{Shares: []string{"Photos"}})
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Places) != 1 || !strings.HasPrefix(again.Places[0], "Photos/Restored ") {
				t.Fatalf("restored over an existing share into %v", again.Places)
			}
			if got := fresh.Get(again.Places[0] + "/cover.jpg"); blake3.Sum256(got) != blake3.Sum256(files["Photos/cover.jpg"]) {
				t.Error("the second restore's copy differs")
			}
			if got := fresh.Get("Photos/cover.jpg.new"); string(got) != "the family's own" {
				t.Error("a restore changed a file of the share")
			}
		})
	}
}

func openRepo(t *testing.T, st storage.Storage) *repo.Repo {
	r, err := repo.Open(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A backup (from elsewhere, or made by hand) holding a folder named as the PCs'
// backups share is never restored into it: those files are the backup store's alone.
func TestRestoreNeverIntoPCBackups(t *testing.T) {
	ctx := context.Background()
	old, _ := family(t)
	old.Share(pool.BackupsShare, 0)
	old.Put(pool.BackupsShare+"/stray.txt", []byte("not a PC's backup"))
	f, err := folder.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := openRepo(t, f)
	if _, _, err := Run(ctx, old.Pool, r, Options{Shares: []string{"Photos", pool.BackupsShare}}); err != nil {
		t.Fatal(err)
	}
	fresh := pooltest.New(t, 2)
	fresh.Share(pool.BackupsShare, 0)
	st, err := Restore(ctx, fresh.Pool, r, RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(st.Places, func(p string) bool { return strings.HasPrefix(strings.ToLower(p), strings.ToLower(pool.BackupsShare)) }) {
		t.Errorf("restored into the PCs' backups: %v", st.Places)
	}
	if _, err := fresh.Pool.Stat(ctx, pool.BackupsShare+"/stray.txt"); err == nil {
		t.Error("a file was written into the PCs' backups share")
	}
}
