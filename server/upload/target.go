package upload

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// The upload's metadata (tus Upload-Metadata) that says where the file goes:
//
//	folder    the folder it goes in, "Share/path" (required)
//	filename  its name; for a file of a folder being uploaded, its path below that
//	          folder ("Holiday/day 1/beach.jpg"), whose folders are made as needed
//	mtime     its modification time, in milliseconds since 1970 (a browser's
//	          File.lastModified); the time of the commit when absent
const (
	metaFolder = "folder"
	metaName   = "filename"
	metaMtime  = "mtime"
)

type target struct {
	path  string
	mtime time.Time
}

// targetOf reads and checks where an upload goes.
func targetOf(meta map[string]string) (target, error) {
	folder, name := strings.Trim(meta[metaFolder], "/"), strings.Trim(meta[metaName], "/")
	if folder == "" || name == "" {
		return target{}, refusal(http.StatusBadRequest, "bad_upload",
			"Say where the file goes: its folder and file name in the upload's metadata (folder, filename).")
	}
	path, err := safepath.Clean(folder + "/" + name)
	if err != nil {
		return target{}, asRefusal(err)
	}
	if _, rel := safepath.Split(path); rel == "" {
		return target{}, asRefusal(pool.ErrShareRoot)
	}
	var t target
	t.path = path
	if ms := meta[metaMtime]; ms != "" {
		n, err := strconv.ParseInt(ms, 10, 64)
		if err != nil || n < 0 {
			return target{}, refusal(http.StatusBadRequest, "bad_upload", "The file's time (mtime) is a number of milliseconds since 1970.")
		}
		t.mtime = time.UnixMilli(n).UTC()
	}
	return t, nil
}

// mayWrite checks that pr may put a file at path now: full access to its share (a device
// token acts with its user's access, as over WebDAV), a share the family can write, and
// nothing in the way (a folder of that name, or a file where a folder must be).
func (s *Store) mayWrite(ctx context.Context, pr auth.Principal, path string) error {
	share, _ := safepath.Split(path)
	if share == backupstore.Share {
		return refusal(http.StatusForbidden, problem.CodeForbidden, "The PCs' backups cannot be changed by hand.")
	}
	if pr.Level(share) < auth.Full {
		return refusal(http.StatusForbidden, problem.CodeForbidden,
			"You may not add files to "+share+". Ask an administrator for full access to it.")
	}
	if fi, err := s.opt.Pool.Stat(ctx, path); err == nil && fi.Dir {
		return asRefusal(pool.ErrIsDir)
	} else if err != nil && !errors.Is(err, pool.ErrNotFound) {
		return asRefusal(err)
	}
	for dir := safepath.Parent(path); ; dir = safepath.Parent(dir) {
		fi, err := s.opt.Pool.Stat(ctx, dir)
		if err == nil && !fi.Dir {
			return asRefusal(pool.ErrNotDir)
		}
		if err == nil || !errors.Is(err, pool.ErrNotFound) {
			return asRefusal(err)
		}
		if !strings.Contains(dir, "/") { // the share itself is missing
			return asRefusal(pool.ErrNoShare)
		}
	}
}

// A refusal is a tusd error carrying the API's code and words; the handler turns it
// into the API's error shape (see problemWriter). Its code is prefixed so the handler
// knows the words are Hearth's own, not tusd's.
const ownCode = "hearth."

func refusal(status int, code, msg string) error {
	return tusd.NewError(ownCode+code, msg, status)
}

// asRefusal answers err by the API's policy (problem.Of); nil stays nil. Failures on
// the server's side keep their cause for the log, which the handler writes.
func asRefusal(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[tusd.Error](err); ok {
		return err
	}
	status, code, msg := problem.Of(err)
	if status == http.StatusInternalServerError {
		return err
	}
	return refusal(status, code, msg)
}

func sameUser(a, b string) bool { return strings.EqualFold(a, b) }
