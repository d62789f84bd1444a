package upload

import (
	"errors"
	"io"
	"os"
	"syscall"
)

// ownData returns the staged data open for writing, as a file of its own. A commit links
// the staged file into the pool (pool.Adopt); if the server died after the pool's copy
// was in place but before the upload was recorded done, the two names are still one
// file, and writing the staged data would change the pool's file. Then the acknowledged
// part is copied to a new file that takes the staged name (durably) before anything is
// written. This happens only after such a crash; f is closed when replaced.
func (u *upload) ownData(f *os.File, offset int64) (*os.File, error) {
	st, err := f.Stat()
	if err != nil {
		return f, err
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Nlink <= 1 {
		return f, nil
	}
	name := dataFile(u.dir, u.st.ID)
	tmp := ownFile(u.dir, u.st.ID)
	if err := copyPrefix(tmp, name, offset, u.s); err != nil {
		os.Remove(tmp)
		return f, err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return f, err
	}
	if err := u.s.syncDir(u.dir); err != nil {
		return f, err
	}
	u.s.log.Info("an upload's data was still a pool file's too (a commit cut off); it was copied to go on", "upload", u.st.ID)
	nf, err := os.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		return f, err
	}
	f.Close()
	return nf, nil
}

// copyPrefix writes the first n bytes of src to a new file dst, synced.
func copyPrefix(dst, src string, n int64, s *Store) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.LimitReader(in, n))
	if err == nil {
		err = s.sync(out, "data")
	}
	return errors.Join(err, out.Close())
}
