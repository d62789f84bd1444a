package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/s3store"
	"github.com/hearth-home/hearth/internal/human"
)

// Where the S3 keys of hearth restore -repo s3://… are read from: never a flag, which
// other users of the PC could read in the process list.
const (
	s3AccessEnv = "HEARTH_S3_ACCESS_KEY"
	s3SecretEnv = "HEARTH_S3_SECRET_KEY"
)

// restoreFromRepo reads a server backup without the server (Hyper Backup Explorer's
// role): a folder (the external drive plugged into this PC) or an S3 bucket, with the
// passphrase or the recovery key when it is encrypted. which is "latest" or the
// beginning of a backup's ID; sub a path inside it ("Photos/2026").
func restoreFromRepo(ctx context.Context, e *env, spec, which, sub, to string, opt restorer.Options) error {
	st, err := openRepoStorage(ctx, spec)
	if err != nil {
		return err
	}
	r, err := repo.Open(ctx, st, nil)
	if errors.Is(err, crypt.ErrEncrypted) {
		secret, perr := e.password("This backup is encrypted. Its passphrase, or its recovery key: ")
		if perr != nil {
			return perr
		}
		var sealed *crypt.Storage
		if _, kerr := crypt.ParseRecoveryKey(secret); kerr == nil {
			sealed, err = crypt.OpenRecovery(ctx, st, secret)
		} else {
			sealed, err = crypt.Open(ctx, st, secret)
		}
		if err != nil {
			return err
		}
		r, err = repo.Open(ctx, sealed, nil)
	}
	if err != nil {
		return err
	}
	snaps, err := r.Snapshots(ctx)
	if err != nil && len(snaps) == 0 {
		return err
	}
	var snap *repo.Entry
	for i := len(snaps) - 1; i >= 0; i-- {
		if which == "latest" || strings.HasPrefix(snaps[i].ID.String(), strings.ToLower(which)) {
			snap = &snaps[i]
			break
		}
	}
	if snap == nil {
		var have []string
		for _, s := range snaps {
			have = append(have, s.ID.Short()+" ("+backup.FolderName(s.Time)+")")
		}
		if len(have) == 0 {
			return errors.New("there is no backup there")
		}
		return fmt.Errorf("there is no backup %s there; it holds %s", which, strings.Join(have, ", "))
	}
	start := time.Now()
	res, err := restorer.Restore(ctx, r, snap.Tree, strings.Trim(sub, "/"), to, opt)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Restored %s (%s) and %s from the backup of %s into %s in %s.\n", count(res.Files, "file"), human.Bytes(res.Bytes),
		count(res.Dirs, "folder"), backup.FolderName(snap.Time), to, time.Since(start).Round(time.Millisecond))
	return nil
}

// openRepoStorage opens a folder, or s3://host[:port]/bucket[/prefix] (s3+http:// for a
// store without TLS on the home network).
func openRepoStorage(ctx context.Context, spec string) (storage.Storage, error) {
	if !strings.HasPrefix(spec, "s3://") && !strings.HasPrefix(spec, "s3+http://") {
		f, err := folder.New(spec)
		if err != nil {
			return nil, fmt.Errorf("there is no backup folder %s; is the drive plugged in?", spec)
		}
		return f, nil
	}
	u, err := url.Parse(spec)
	if err != nil || u.Host == "" {
		return nil, errors.New("write an S3 backup as s3://HOST:PORT/BUCKET/FOLDER")
	}
	bucket, prefix, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	if bucket == "" {
		return nil, errors.New("write an S3 backup as s3://HOST:PORT/BUCKET/FOLDER: the bucket is missing")
	}
	if _, has := u.User.Password(); has {
		// Refused rather than ignored: it is in the process list and the shell's
		// history already; the family should know, and change it if the PC is shared.
		return nil, fmt.Errorf("do not write the S3 secret key in the address: other users of this PC can see it there. Give it in $%s", s3SecretEnv)
	}
	access := os.Getenv(s3AccessEnv)
	if u.User != nil {
		access = u.User.Username()
	}
	s, err := s3store.New(ctx, s3store.Config{Endpoint: u.Host, Insecure: u.Scheme == "s3+http", Bucket: bucket, Prefix: prefix,
		AccessKey: access, SecretKey: os.Getenv(s3SecretEnv)})
	if errors.Is(err, s3store.ErrNoBucket) {
		return nil, fmt.Errorf("the S3 store has no bucket %s", bucket)
	}
	if err != nil {
		return nil, fmt.Errorf("the S3 store cannot be reached, or refused the keys (give them in $%s and $%s)", s3AccessEnv, s3SecretEnv)
	}
	return s, nil
}
