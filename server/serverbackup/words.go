package serverbackup

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"syscall"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/repo"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/server/pool"
)

// PlainError is a failure in words (a run's, or a job refused): Words say for a
// person what happened and what to do (the console and the CLI show them, and
// RunInfo.Error keeps them); Err is the cause, for
// errors.Is and the server's log. Go's own text ("put packs/ab/…: mkdir …: not a
// directory") names files and calls a family cannot act on.
type PlainError struct {
	Words string
	Err   error
}

func (e *PlainError) Error() string { return e.Words }
func (e *PlainError) Unwrap() error { return e.Err }

// plainError gives err words a person can act on. Errors made with words already (the
// package's own, the lock's, a target's, the passphrase's) keep them.
func plainError(err error) error {
	return plainErrorOr(err, runFailed)
}

// The words of a failure no other words fit, for a run, a restore and a check.
const (
	runFailed     = "the backup stopped before it finished; the next run tries again. If it keeps failing, the server's log says why"
	restoreFailed = "the restore stopped before it finished; what it brought back so far is kept. The server's log says why; try again, or restore from another backup"
	checkFailed   = "the check could not finish; the server's log says why. Try again when the target is plugged in or reachable"
)

// plainErrorOr is plainError with other words for a failure none fits.
func plainErrorOr(err error, otherwise string) error {
	if err == nil {
		return nil
	}
	var re *PlainError
	if errors.As(err, &re) {
		return err
	}
	for _, known := range []error{ErrNoJob, ErrNoBackup, ErrNoPath, ErrPathAlone, ErrHasUsers, ErrNoConfig} {
		if errors.Is(err, known) {
			return err // the caller decides on these; their text is words already
		}
	}
	return &PlainError{Words: words(err, otherwise), Err: err}
}

func words(err error, otherwise string) string {
	var te *TargetError
	if errors.As(err, &te) {
		return te.Words
	}
	if errors.Is(err, repo.ErrLocked) {
		// Its text says who holds the target and since when, in words.
		if msg := err.Error(); strings.HasPrefix(msg, repo.ErrLocked.Error()) {
			return msg
		}
	}
	for _, known := range []error{repo.ErrLocked, crypt.ErrWrongPassphrase, ErrNotEncrypted, crypt.ErrEncrypted, ErrNoJob} {
		if errors.Is(err, known) {
			return known.Error()
		}
	}
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the backup target is full. Make room on it (or use a bigger drive); the next run carries on where this one stopped"
	case errors.Is(err, syscall.EROFS), errors.Is(err, fs.ErrPermission):
		return "the backup target refuses to be written to (it may be read-only). Check the drive or the S3 keys' rights; the next run carries on where this one stopped"
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return "the backup drive stopped answering; it may have been unplugged. Plug it back in; the next run carries on where this one stopped"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "the backup was stopped before it finished (the server was shutting down); the next run carries on where it stopped"
	case errors.Is(err, pool.ErrNoShare), errors.Is(err, pool.ErrNotFound):
		return "a shared folder this backup names is no longer on the server. Remove the backup and make it again with the shared folders there are now"
	case errors.Is(err, backup.ErrCorrupt), errors.Is(err, repo.ErrNoBlob), errors.Is(err, storage.ErrNotFound):
		return "part of the backup on the target is damaged or missing. Run a check of this backup; the server's log says what"
	}
	return otherwise
}
