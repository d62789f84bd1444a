package upload

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// commit puts the staged file into the pool at its place with the pool's normal atomic
// commit (pool.Adopt): the staged data, on a pool drive already, becomes the copy on
// that drive without being written again; only a duplicated share's other copies are
// written. It is hashed and indexed as any write, and a file already there is kept as a
// previous version. Only then is the upload recorded done and its data's name removed.
// The owner's access is checked again: it may have been taken away while the upload
// went on.
func (s *Store) commit(ctx context.Context, u *upload) error {
	pr, ok := auth.PrincipalOf(ctx)
	if !ok || !sameUser(pr.Name, u.st.User) {
		return tusd.ErrNotFound
	}
	if err := s.mayWrite(ctx, pr, u.st.Path); err != nil {
		return err
	}
	// The server's context, not the request's: a client that goes away while a large
	// file is being written into the pool must not undo it half way.
	cctx := s.ctx
	if err := s.makeFolders(cctx, u.st.Path); err != nil {
		return asRefusal(err)
	}
	data := dataFile(u.dir, u.st.ID)
	fi, err := os.Stat(data)
	if err != nil {
		return s.lost(u.st.ID, err)
	}
	if fi.Size() != u.st.Size {
		return fmt.Errorf("upload %s: the staged data is not whole (%d bytes of %d)", u.st.ID, fi.Size(), u.st.Size)
	}
	// From here the staged data must not change: once adopted it is the pool's copy too
	// (see ownData), until its name is removed below.
	if _, err := s.opt.Pool.Adopt(cctx, u.st.Path, data, pool.WriteOptions{Size: u.st.Size, ModTime: u.st.ModTime}); err != nil {
		if errors.Is(err, fs.ErrNotExist) { // its drive went away
			return s.lost(u.st.ID, err)
		}
		return asRefusal(fmt.Errorf("upload %s: %w", u.st.ID, err))
	}
	st := u.st
	st.Done, st.Offset, st.Updated = true, st.Size, s.opt.Now()
	if err := s.writeState(u.dir, st); err != nil {
		// The file is in the pool; the worst left is a client that sends its last chunk
		// again and commits the same file twice.
		s.log.Warn("an upload was committed but could not be recorded done", "upload", st.ID, "err", err)
	}
	u.st = st
	if err := os.Remove(dataFile(u.dir, st.ID)); err != nil {
		s.log.Warn("could not remove a committed upload's staged data; the sweep will", "upload", st.ID, "err", err)
	}
	s.log.Info("upload committed", "user", st.User, "file", st.Path, "size", st.Size, "upload", st.ID)
	return nil
}

// makeFolders makes the folders above path that are missing (a folder being uploaded
// brings its own tree).
func (s *Store) makeFolders(ctx context.Context, path string) error {
	var missing []string
	for dir := safepath.Parent(path); strings.Contains(dir, "/"); dir = safepath.Parent(dir) {
		_, err := s.opt.Pool.Stat(ctx, dir)
		if err == nil {
			break
		}
		if !errors.Is(err, pool.ErrNotFound) {
			return err
		}
		missing = append(missing, dir)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if _, err := s.opt.Pool.Mkdir(ctx, missing[i], time.Time{}); err != nil && !errors.Is(err, pool.ErrExist) {
			return err
		}
	}
	return nil
}
