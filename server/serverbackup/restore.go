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
	// Path, when set, restores one file or folder ("Share/sub/dir") instead of whole
	// shares (see restorePath). It goes alone: not with Shares or Config.
	Path string
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

// Errors a caller decides on.
var (
	// ErrNoBackup: the target holds no backup (of that ID).
	ErrNoBackup = errors.New("the target holds no such backup")
	// ErrNoPath: the backup holds no file or folder at the path asked for.
	ErrNoPath = errors.New("the backup holds no file or folder at that path")
	// ErrPathAlone: a path is restored on its own, not with whole shares or the
	// server's configuration.
	ErrPathAlone = errors.New("restore one file or folder on its own, without choosing shares or the configuration")
)

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
	root, err := loadTree(ctx, r, snap.Tree)
	if err != nil {
		return RestoreStats{}, err
	}
	st := RestoreStats{Snapshot: snap.ID.String()}
	if opt.Path != "" {
		if opt.Config || len(opt.Shares) > 0 {
			return st, ErrPathAlone
		}
		return st, restorePath(ctx, p, r, root, opt.Path, snap.Time, &st)
	}
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
	return restoredFolder(ctx, p, share, when)
}

// restoredFolder makes a new folder "Restored <date of the backup>" in the pool folder
// dir (numbered when one of that name is there already) and returns it.
func restoredFolder(ctx context.Context, p *pool.Pool, dir string, when time.Time) (string, error) {
	base := dir + "/Restored " + when.Local().Format("2006-01-02 15.04")
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

func loadTree(ctx context.Context, r *repo.Repo, id backup.ID) (backup.TreeBlob, error) {
	data, err := r.Blob(ctx, id)
	if err != nil {
		return backup.TreeBlob{}, err
	}
	return backup.DecodeTree(data)
}

// restoreTree writes a tree's files and folders into the pool folder dir.
func restoreTree(ctx context.Context, p *pool.Pool, r *repo.Repo, id backup.ID, dir string, st *RestoreStats) error {
	t, err := loadTree(ctx, r, id)
	if err != nil {
		return err
	}
	for _, n := range t.Nodes {
		if err := restoreNode(ctx, p, r, n, path.Join(dir, n.FileName()), st); err != nil {
			return err
		}
	}
	return nil
}

// restoreNode writes one file or folder (with what it holds) at the pool path at.
func restoreNode(ctx context.Context, p *pool.Pool, r *repo.Repo, n backup.Node, at string, st *RestoreStats) error {
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

// restorePath brings back one file or folder, "Share/sub/dir", from the backup's root
// tree. Never over the family's files: when the share is gone it is made and the
// item goes back where it was; otherwise the item goes into a new "Restored <date>"
// folder in its own parent folder (made again if it is gone), beside what is there.
func restorePath(ctx context.Context, p *pool.Pool, r *repo.Repo, root backup.TreeBlob, want string, when time.Time, st *RestoreStats) error {
	parts := strings.Split(strings.Trim(path.Clean("/"+want), "/"), "/")
	if parts[0] == "" || strings.EqualFold(parts[0], pool.BackupsShare) {
		return ErrNoPath
	}
	t := root
	var found *backup.Node
	for i, name := range parts {
		j := slices.IndexFunc(t.Nodes, func(n backup.Node) bool { return n.FileName() == name })
		if j < 0 || t.Nodes[j].Type != backup.Dir && (i < len(parts)-1 || t.Nodes[j].Type != backup.File) {
			return ErrNoPath
		}
		found = &t.Nodes[j]
		if i == len(parts)-1 {
			break
		}
		if found.Subtree == nil {
			return ErrNoPath
		}
		var err error
		if t, err = loadTree(ctx, r, *found.Subtree); err != nil {
			return err
		}
	}
	share := parts[0]
	if len(parts) == 1 {
		// A whole share, asked for by path.
		place, err := prepare(ctx, p, share, when)
		if err != nil {
			return err
		}
		st.Places = append(st.Places, place)
		if found.Subtree == nil {
			return nil
		}
		return restoreTree(ctx, p, r, *found.Subtree, place, st)
	}
	_, err := p.Stat(ctx, share)
	made := errors.Is(err, pool.ErrNotFound)
	if made {
		if _, err := p.CreateShare(ctx, share, 0, ""); err != nil {
			return fmt.Errorf("make the shared folder %s: %w", share, err)
		}
	} else if err != nil {
		return err
	}
	dir := share
	for _, name := range parts[1 : len(parts)-1] {
		dir += "/" + name
		if _, err := p.Mkdir(ctx, dir, time.Time{}); err != nil && !errors.Is(err, pool.ErrExist) {
			return err
		}
	}
	if !made {
		if dir, err = restoredFolder(ctx, p, dir, when); err != nil {
			return err
		}
	}
	at := dir + "/" + found.FileName()
	st.Places = append(st.Places, at)
	if err := restoreNode(ctx, p, r, *found, at, st); err != nil {
		return fmt.Errorf("restore %s: %w", want, err)
	}
	return nil
}
