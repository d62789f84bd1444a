package serverbackup

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/server/pool"
)

// RestoreOptions say what to bring back.
type RestoreOptions struct {
	// Snapshot is the backup to restore (its ID, or a unique beginning of it); ""
	// means the newest.
	Snapshot string
	// Shares are the shares to restore; none means every share the backup holds.
	Shares []string
	// Config also restores the server's users, access and settings (onto a new
	// server only: see Configurer.Import).
	Config bool
}

// RestoreStats say what a restore did.
type RestoreStats struct {
	Snapshot string
	Files    int64
	Bytes    int64
	// Places are where each share went: its own name when it was made anew, else a
	// folder in it.
	Places []string
	// Config: the server's users, access and settings were restored too.
	Config bool
}

// ErrNoBackup: the target holds no backup (of that ID).
var ErrNoBackup = errors.New("the target holds no such backup")

// Restore brings shares back from r into the pool, never over what is there: a share
// that does not exist is made and filled (a new server after a disaster); one that
// does gets the backup's files in a new folder "Restored <date of the backup>" inside
// it, for the family to sort out.
func Restore(ctx context.Context, p *pool.Pool, r *repo.Repo, opt RestoreOptions) (RestoreStats, error) {
	return restore(ctx, p, r, opt, nil)
}

// restore is Restore, with the configuration set up through c when opt.Config asks. The
// configuration is read first (a backup without one fails before a file is written) and
// taken last: the shares the files made exist by then, and the access can name them.
func restore(ctx context.Context, p *pool.Pool, r *repo.Repo, opt RestoreOptions, c Configurer) (RestoreStats, error) {
	// No lock: a restore only reads, and packs a backup refers to are never deleted.
	snap, err := pick(ctx, r, opt.Snapshot)
	if err != nil {
		return RestoreStats{}, err
	}
	var cfg ServerConfig
	if opt.Config {
		if c == nil {
			return RestoreStats{}, errors.New("the server's configuration cannot be restored here")
		}
		if err := c.CanImport(ctx); err != nil {
			return RestoreStats{}, err
		}
		if cfg, err = loadConfig(ctx, r, snap.Snapshot); err != nil {
			return RestoreStats{}, err
		}
	}
	data, err := r.Blob(ctx, snap.Tree)
	if err != nil {
		return RestoreStats{}, err
	}
	root, err := backup.DecodeTree(data)
	if err != nil {
		return RestoreStats{}, err
	}
	st := RestoreStats{Snapshot: snap.ID.String()}
	for _, n := range root.Nodes {
		share := n.FileName()
		if n.Type != backup.Dir || n.Subtree == nil || len(opt.Shares) > 0 && !slices.Contains(opt.Shares, share) {
			continue
		}
		if strings.EqualFold(share, pool.BackupsShare) {
			// The PCs' backups share is the backup store's alone: files written into
			// it by a restore (from a backup made elsewhere, or by hand) would sit
			// among the PCs' packs. Server backups do not hold it.
			continue
		}
		place, err := prepare(ctx, p, share, snap.Time)
		if err != nil {
			return st, err
		}
		st.Places = append(st.Places, place)
		if err := restoreTree(ctx, p, r, *n.Subtree, place, &st); err != nil {
			return st, fmt.Errorf("restore %s: %w", share, err)
		}
	}
	if len(st.Places) == 0 {
		return st, fmt.Errorf("%w: it holds none of the shared folders asked for", ErrNoBackup)
	}
	if opt.Config {
		if err := c.Import(ctx, cfg); err != nil {
			return st, err
		}
		st.Config = true
	}
	return st, nil
}

// pick finds the snapshot to restore.
func pick(ctx context.Context, r *repo.Repo, want string) (repo.Entry, error) {
	snaps, err := r.Snapshots(ctx)
	if err != nil && len(snaps) == 0 {
		return repo.Entry{}, err
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		if want == "" || strings.HasPrefix(snaps[i].ID.String(), strings.ToLower(want)) {
			return snaps[i], nil
		}
	}
	return repo.Entry{}, ErrNoBackup
}

// prepare returns where a share's files go: the share itself when it is made here, or
// a new folder in it.
func prepare(ctx context.Context, p *pool.Pool, share string, when time.Time) (string, error) {
	_, err := p.Stat(ctx, share)
	if errors.Is(err, pool.ErrNotFound) {
		if _, err := p.CreateShare(ctx, share, 0, ""); err != nil {
			return "", fmt.Errorf("make the shared folder %s: %w", share, err)
		}
		return share, nil
	}
	if err != nil {
		return "", err
	}
	base := share + "/Restored " + when.Local().Format("2006-01-02 15.04")
	place := base
	for i := 2; ; i++ {
		if _, err := p.Stat(ctx, place); errors.Is(err, pool.ErrNotFound) {
			break
		}
		place = fmt.Sprintf("%s (%d)", base, i)
	}
	if _, err := p.Mkdir(ctx, place, time.Time{}); err != nil {
		return "", err
	}
	return place, nil
}

// restoreTree writes a tree's files and folders into the pool folder dir.
func restoreTree(ctx context.Context, p *pool.Pool, r *repo.Repo, id backup.ID, dir string, st *RestoreStats) error {
	data, err := r.Blob(ctx, id)
	if err != nil {
		return err
	}
	t, err := backup.DecodeTree(data)
	if err != nil {
		return err
	}
	for _, n := range t.Nodes {
		at := path.Join(dir, n.FileName())
		switch n.Type {
		case backup.Dir:
			if _, err := p.Mkdir(ctx, at, time.Time{}); err != nil && !errors.Is(err, pool.ErrExist) {
				return err
			}
			if n.Subtree != nil {
				if err := restoreTree(ctx, p, r, *n.Subtree, at, st); err != nil {
					return err
				}
			}
			// Last: writing into a folder changes its time.
			if err := p.Chtimes(ctx, at, time.Unix(0, n.ModTime)); err != nil {
				return err
			}
		case backup.File:
			if err := restoreFile(ctx, p, r, n, at); err != nil {
				return err
			}
			st.Files++
			st.Bytes += n.Size
		}
		// Links: the pool holds none, and a server backup has none.
	}
	return nil
}

// restoreFile writes one file, piece by piece, as a new pool file (committed whole or
// not at all).
func restoreFile(ctx context.Context, p *pool.Pool, r *repo.Repo, n backup.Node, at string) error {
	none := uint64(0)
	w, err := p.Create(ctx, at, pool.WriteOptions{Size: n.Size, ModTime: time.Unix(0, n.ModTime), IfGen: &none})
	if err != nil {
		return err
	}
	defer w.Abort()
	for _, c := range n.Content {
		plain, err := r.Blob(ctx, c.ID)
		if err != nil {
			return err
		}
		if _, err := w.Write(plain); err != nil {
			return err
		}
	}
	_, err = w.Commit(ctx)
	return err
}
