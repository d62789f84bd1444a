package serverbackup

import (
	"context"
	"errors"
	"io"
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

// One file or one folder comes back alone: onto a new pool where it was (its share
// made anew), and onto a pool that has it into a new "Restored <date>" folder in its
// own parent folder, beside the family's copy, which stays as it is.
func TestRestorePath(t *testing.T) {
	ctx := context.Background()
	old, files := family(t)
	f, err := folder.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := openRepo(t, f)
	if _, _, err := Run(ctx, old.Pool, r, Options{Shares: []string{"Photos", "Documents"}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		onOld      bool   // restore onto the pool that has the files still
		dir        string // where the item should land (its parent folder); "" for its own place
		want       []string
	}{
		{"a folder onto a new pool", "Documents/letters", false, "", []string{"Documents/letters/grandma.txt", "Documents/letters/empty.txt"}},
		{"a deep file onto a new pool", "/Documents/deep/a/b/c/d/e/f.txt/", false, "", []string{"Documents/deep/a/b/c/d/e/f.txt"}},
		{"a file beside the family's", "Documents/taxes/2025/form.pdf", true, "Documents/taxes/2025/Restored ", []string{"Documents/taxes/2025/form.pdf"}},
		{"a folder beside the family's", "Photos/2026", true, "Photos/Restored ", []string{"Photos/2026/beach.jpg", "Photos/2026/beach copy.jpg", "Photos/2026/small.png"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := old.Pool
			if !tc.onOld {
				p = pooltest.New(t, 2).Pool
			}
			st, err := Restore(ctx, p, r, RestoreOptions{Path: tc.path})
			if err != nil {
				t.Fatal(err)
			}
			if st.Files != int64(len(tc.want)) || len(st.Places) != 1 {
				t.Fatalf("restored %+v, want %d files in one place", st, len(tc.want))
			}
			base := strings.Trim(tc.path, "/")
			if tc.dir == "" && st.Places[0] != base || tc.dir != "" && !strings.HasPrefix(st.Places[0], tc.dir) {
				t.Fatalf("restored into %q, want it in %q", st.Places[0], tc.dir)
			}
			for _, name := range tc.want {
				at := st.Places[0] + strings.TrimPrefix(name, base)
				if got := readAll(t, p, at); blake3.Sum256(got) != blake3.Sum256(files[name]) {
					t.Errorf("%s: restored copy at %s differs", name, at)
				}
				if tc.onOld {
					if got := readAll(t, p, name); blake3.Sum256(got) != blake3.Sum256(files[name]) {
						t.Errorf("%s: the family's copy changed", name)
					}
				}
			}
			if !tc.onOld {
				// Only what was asked for came back.
				if _, err := p.Stat(ctx, "Photos"); err == nil {
					t.Error("a path restored the share Photos too")
				}
			}
		})
	}
	for _, bad := range []RestoreOptions{{Path: "Documents/nothing here"}, {Path: "Documents/letters/grandma.txt/more"}, {Path: pool.BackupsShare + "/x"}} {
		if _, err := Restore(ctx, old.Pool, r, bad); !errors.Is(err, ErrNoPath) {
			t.Errorf("restore %q: %v, want ErrNoPath", bad.Path, err)
		}
	}
	if _, err := Restore(ctx, old.Pool, r, RestoreOptions{Path: "Photos/cover.jpg", Shares: []string{"Photos"}}); !errors.Is(err, ErrPathAlone) {
		t.Errorf("a path with shares: %v", err)
	}
}

func readAll(t *testing.T, p *pool.Pool, name string) []byte {
	t.Helper()
	rd, err := p.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return data
}
