package upload

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Run removes expired uploads every SweepEvery until ctx ends (a server's long-lived
// part); the first sweep is at once, for what expired while the server was off.
func (s *Store) Run(ctx context.Context) error {
	t := time.NewTicker(s.opt.SweepEvery)
	defer t.Stop()
	for {
		if n, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("could not remove every expired upload; trying again later", "removed", n, "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Sweep removes the uploads that made no progress for MaxAge (and the records of
// finished ones as old), with any leftover of an upload that was never begun whole. It
// returns how many uploads it removed. An upload being written is left alone.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	removed := 0
	var errs []error
	for _, dir := range s.opt.Pool.StagingDirs(stagingName) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return removed, err
			}
			gone, err := s.sweepEntry(dir, e)
			if gone {
				removed++
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return removed, errors.Join(errs...)
}

// sweepEntry looks at one file of a staging folder; it reports whether it removed an
// upload.
func (s *Store) sweepEntry(dir string, e fs.DirEntry) (bool, error) {
	name := e.Name()
	id, kind, _ := strings.Cut(name, ".")
	if !validID(id) || s.isBusy(id) {
		return false, nil
	}
	if kind != "json" {
		// Data, or a record being replaced: garbage once it has no record and is old
		// (a crash between making the data file and its record).
		if _, err := os.Lstat(stateFile(dir, id)); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		info, err := e.Info()
		if err != nil || s.opt.Now().Sub(info.ModTime()) <= s.opt.MaxAge {
			return false, nil
		}
		return false, os.Remove(filepath.Join(dir, name))
	}
	st, err := readState(dir, id)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// An unreadable record cannot be resumed: it goes when it is old.
		info, ierr := e.Info()
		if ierr != nil || s.opt.Now().Sub(info.ModTime()) <= s.opt.MaxAge {
			return false, nil
		}
		return true, removeUpload(dir, id)
	}
	if err != nil || !s.expired(st) {
		return false, nil
	}
	if !st.Done {
		s.log.Info("an upload expired after a day without progress; its data is removed",
			"user", st.User, "file", st.Path, "received", st.Offset, "size", st.Size, "upload", id)
	}
	return true, removeUpload(dir, id)
}
