package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// state is what is kept of an upload beside its data, in <id>.json: enough to answer
// for it, go on with it and commit it after the server restarts. It is replaced whole
// (written aside, synced, renamed, the folder synced), so it is always one version or
// the next, never a mix.
type state struct {
	ID   string `json:"id"`
	User string `json:"user"`
	// Path is the file's place in the pool ("Share/folder/name"), decided at creation.
	Path     string            `json:"path"`
	Size     int64             `json:"size"`
	ModTime  time.Time         `json:"mtime,omitzero"`
	MetaData map[string]string `json:"metadata,omitempty"`
	// Offset is how much of the data is durable and was acknowledged: data beyond it
	// (a chunk cut short, or whose checksum failed) is dropped before the next write.
	Offset  int64     `json:"offset"`
	Created time.Time `json:"created"`
	// Updated is when the upload last made progress: it expires a day after.
	Updated time.Time `json:"updated"`
	// Done: the file was committed to the pool and the data removed; the record stays
	// (until it expires) so a client that lost the last answer learns it is complete.
	Done bool `json:"done,omitempty"`
}

// The files of an upload in its staging folder.
func dataFile(dir, id string) string  { return filepath.Join(dir, id+".part") }
func stateFile(dir, id string) string { return filepath.Join(dir, id+".json") }

// ownFile is where staged data is copied when it must become a file of its own (owndata.go).
func ownFile(dir, id string) string { return filepath.Join(dir, id+".part.own") }

// readState reads an upload's record; fs.ErrNotExist when there is none.
func readState(dir, id string) (state, error) {
	b, err := os.ReadFile(stateFile(dir, id))
	if err != nil {
		return state{}, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return state{}, fmt.Errorf("read upload record %s: %w", id, err)
	}
	if st.ID != id {
		return state{}, fmt.Errorf("upload record %s names %q: %w", id, st.ID, fs.ErrNotExist)
	}
	return st, nil
}

// writeState replaces an upload's record durably: when it returns, the record survives
// a crash or a power cut.
func (s *Store) writeState(dir string, st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	final := stateFile(dir, st.ID)
	tmp := final + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("save upload record: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = s.sync(f, "record")
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err == nil {
		err = s.syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save upload record: %w", err)
	}
	return nil
}

// syncDir makes the folder's entries (a new or renamed file) durable.
func (s *Store) syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return s.sync(f, "folder")
}

// sync flushes f to the disk. Tests watch the order of syncs through onSync.
func (s *Store) sync(f *os.File, what string) error {
	if s.onSync != nil {
		s.onSync(what)
	}
	return f.Sync()
}

// removeUpload deletes an upload's files, the record last: an upload without its
// record is garbage the sweep removes, never one that looks complete.
func removeUpload(dir, id string) error {
	var err error
	for _, name := range []string{dataFile(dir, id), ownFile(dir, id)} {
		if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
	}
	if rerr := os.Remove(stateFile(dir, id)); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}
