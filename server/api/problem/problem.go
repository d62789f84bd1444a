// Package problem is how every handler of hearthd's JSON API (and the console's pages)
// answers a failure: one shape, {"error": "<a sentence for a person>", "code": "<a
// stable code for a program>"}, and one policy mapping Go errors to a status and plain
// words. Go's own words (which name files, tables and addresses) go to the log, and only
// for failures on the server's side.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/links"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/hearth-home/hearth/server/settings"
)

// Error is a failure a handler decided on itself, already in words for a person.
type Error struct {
	Status int
	Code   string
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// New returns an Error.
func New(status int, code, msg string) *Error { return &Error{Status: status, Code: code, Msg: msg} }

// Codes a handler uses for its own refusals.
const (
	CodeBadRequest = "bad_request"
	CodeForbidden  = "forbidden"
	CodeAdminOnly  = "admin_only"
	CodeNotFound   = "not_found"
	CodeNoRoute    = "no_such_call"
	CodeConflict   = "conflict"
	CodeInternal   = "internal"
)

// Internal is what a failure on the server's side is answered with.
const Internal = "The server could not do that just now. Please try again; if it keeps happening, the server's log says why."

// mapping is the policy: each error a person can act on, with its status, code and words.
// The first that matches wins, so the more particular come first.
var mapping = []struct {
	err    error
	status int
	code   string
	msg    string
}{
	{auth.ErrNoUser, http.StatusNotFound, "no_user", "There is no such user on this server; an administrator can add one."},
	{auth.ErrUserExists, http.StatusConflict, "user_exists", "A user with that name exists already; choose another name."},
	{auth.ErrNameTaken, http.StatusConflict, "name_taken", "A shared folder already has that name; choose another user name."},
	{auth.ErrBadName, http.StatusBadRequest, "bad_name", "A user name is 1 to 32 letters, digits, '-', '_' or '.', starting with a letter or digit."},
	{auth.ErrWeakPassword, http.StatusBadRequest, "weak_password", "A password needs at least 8 characters (and at most 1024 bytes)."},
	{auth.ErrLastAdmin, http.StatusConflict, "last_admin", "This is the last administrator; make someone else an administrator first."},
	{auth.ErrTooManyJoinCodes, http.StatusTooManyRequests, "too_many_join_codes", "Too many join codes are waiting to be used. Use one, or wait an hour until they end."},
	{auth.ErrNoDevice, http.StatusNotFound, "no_device", "No device of yours has that id."},
	{auth.ErrBadDeviceName, http.StatusBadRequest, "bad_device_name", "A device's name is plain text of 1 to 200 bytes, without control characters."},
	{auth.ErrBadLevel, http.StatusBadRequest, "bad_level", `An access level is "none", "read" or "full".`},
	{auth.ErrBadCredentials, http.StatusUnauthorized, "bad_credentials", "Wrong user name or password."},

	{links.ErrNoLink, http.StatusNotFound, "no_link", "You have no link with that id."},
	{links.ErrBadKind, http.StatusBadRequest, "bad_kind", `A link's kind is "read" (open and download) or "upload" (send files in, never see them).`},
	{links.ErrNoAccess, http.StatusForbidden, "no_access", "You may share only what you may open yourself, and an upload link needs full access to the folder."},
	{links.ErrNotFolder, http.StatusBadRequest, "not_folder", "An upload link is to a folder, not a file."},
	{links.ErrBadExpiry, http.StatusBadRequest, "bad_expiry", "A link's expiry must be in the future."},
	{links.ErrBadLimits, http.StatusBadRequest, "bad_limits", "A link's limits of files and bytes are 0 (the defaults) or more."},

	{pool.ErrShareRemoved, http.StatusConflict, "share_removed", "A removed shared folder has that name; bring it back, or delete it for good, first."},
	{pool.ErrNoShare, http.StatusNotFound, "no_share", "There is no shared folder of that name."},
	{pool.ErrDriveUnknown, http.StatusNotFound, "no_drive", "The pool has no drive of that name."},
	{pool.ErrNotFound, http.StatusNotFound, "not_found", "There is no such file or folder."},
	{pool.ErrExist, http.StatusConflict, "exists", "Something of that name exists already; choose another name."},
	{pool.ErrPoolFull, http.StatusInsufficientStorage, "pool_full", "The drives are full. Add a drive or free some space, then try again."},
	// A drive that ran out of room where the pool's own check did not say so first (a
	// folder made, a rename on a full disk): the same answer.
	{syscall.ENOSPC, http.StatusInsufficientStorage, "pool_full", "The drives are full. Add a drive or free some space, then try again."},
	{syscall.EDQUOT, http.StatusInsufficientStorage, "pool_full", "The drives are full. Add a drive or free some space, then try again."},
	{pool.ErrNoDrives, http.StatusServiceUnavailable, "no_drives", "No drive of the pool is working just now. Check that the drives are connected."},
	{pool.ErrChanged, http.StatusConflict, "changed", "It was changed meanwhile; look again and retry."},
	{pool.ErrIsDir, http.StatusConflict, "is_folder", "That is a folder, not a file."},
	{pool.ErrNotDir, http.StatusConflict, "not_folder", "That is a file, not a folder."},
	{pool.ErrShareRoot, http.StatusBadRequest, "share_root", "A shared folder itself cannot be changed this way."},
	{pool.ErrDamaged, http.StatusConflict, "damaged", "This file is damaged on every drive; bring it back from a previous version or a backup."},
	{safepath.ErrInvalid, http.StatusBadRequest, "bad_path", "That name cannot be used for a file or folder."},

	{backupstore.ErrNoSession, http.StatusGone, "session_ended", "The backup session has ended; start the backup again."},
	{backupstore.ErrNoSnapshot, http.StatusNotFound, "no_backup", "There is no such backup."},
	{backupstore.ErrNoBlob, http.StatusNotFound, "no_piece", "That piece of a backup is not on the server."},
	{backupstore.ErrNotOwner, http.StatusForbidden, "not_owner", "This PC's backups belong to another user."},
	{backupstore.ErrTooLarge, http.StatusRequestEntityTooLarge, "too_large", "That piece of the backup is larger than the server accepts."},
	{backupstore.ErrBadPack, http.StatusBadRequest, "bad_pack", "That piece of the backup is damaged or does not match its name; the PC sends it again."},
	{backup.ErrCorrupt, http.StatusBadRequest, "corrupt", "The backup data sent is damaged; the PC sends it again."},
	{backup.ErrBadID, http.StatusBadRequest, "bad_id", "That is not a backup's ID (64 hex digits)."},

	{health.ErrNotOwner, http.StatusForbidden, "not_owner", "That PC belongs to another user; ask an administrator."},
	{health.ErrBadReport, http.StatusBadRequest, "bad_report", "The PC's health report is not one this server can use; update Hearth on the PC."},

	{settings.ErrServerName, http.StatusBadRequest, "bad_server_name", "A server name has 1 to 63 characters: letters, digits, spaces, dots or dashes."},
	{settings.ErrMetrics, http.StatusBadRequest, "bad_metrics", `Metrics access is "admin" (administrators only), "lan" (anyone on the home network) or "off".`},
	{settings.ErrTimeZone, http.StatusBadRequest, "bad_time_zone", "That is not a time zone this server knows. Use a name such as Europe/London or America/New_York, or leave it empty."},
	{settings.ErrWindow, http.StatusBadRequest, "bad_window", "A backup window is two times of day, such as 03:00 to 07:00, or both empty for none."},
	{settings.ErrKeep, http.StatusBadRequest, "bad_keep", "Each number of backups to keep is a whole number from 0 to 1000."},

	{context.Canceled, http.StatusServiceUnavailable, "canceled", "The request was cut short before it was done; please try again."},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "timeout", "That took too long; please try again."},
}

// Of maps err to the status, code and words it is answered with. Errors written for
// people by the layers below (a PC name taken, a backup running, a drive refusal) keep
// their own words.
func Of(err error) (status int, code, msg string) {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Status, e.Code, e.Msg
	}
	if e, ok := errors.AsType[*auth.PCTakenError](err); ok {
		return http.StatusConflict, "pc_taken", e.Error()
	}
	if e, ok := errors.AsType[*backupstore.BusyError](err); ok {
		return http.StatusLocked, "busy", sentence(e.Error())
	}
	if errors.Is(err, backupstore.ErrBusy) {
		return http.StatusLocked, "busy", "A backup of this PC is running already; it can be started again when that one ends."
	}
	if e, ok := errors.AsType[*backupstore.IncompleteError](err); ok {
		return http.StatusConflict, "incomplete", sentence(e.Error())
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return http.StatusRequestEntityTooLarge, "too_large", "The request is larger than the server accepts."
	}
	if errors.Is(err, pool.ErrRefused) {
		return http.StatusConflict, "refused", refusal(err)
	}
	for _, m := range mapping {
		if errors.Is(err, m.err) {
			return m.status, m.code, m.msg
		}
	}
	return http.StatusInternalServerError, CodeInternal, Internal
}

// refusal is the reason the pool gave for refusing, which its authors wrote for the
// person who asked ("drive "Drive 2" holds 3 GB but the other drives have only 1 GB
// free; add a drive …"), without the "refused: " its sentinel puts first and the
// command-line switch its advice names.
func refusal(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, pool.ErrRefused.Error()+": "); i >= 0 {
		msg = msg[i+len(pool.ErrRefused.Error())+2:]
	} else {
		return "The server refused to do that, to keep the files safe."
	}
	msg = strings.NewReplacer("use --force to accept that", "remove it anyway to accept that",
		"with --force", "anyway", "--force", "anyway").Replace(msg)
	return sentence(msg)
}

// sentence starts msg with a capital and ends it with a full stop.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// Reply answers with the error shape.
func Reply(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(schema.Problem{Error: msg, Code: code})
}

// Fail answers err by the policy (Of), logging its cause when the fault is the server's
// (a 500): the others are the caller's to mend, and said to them.
func Fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, code, msg := Of(err)
	if status == http.StatusInternalServerError {
		log.Error("an API call failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	Reply(w, status, code, msg)
}

// BadRequest answers a request whose body or parameters cannot be used; msg says what to
// send.
func BadRequest(w http.ResponseWriter, msg string) {
	Reply(w, http.StatusBadRequest, CodeBadRequest, msg)
}

// Forbidden answers a request the caller may not make; msg says who may.
func Forbidden(w http.ResponseWriter, msg string) { Reply(w, http.StatusForbidden, CodeForbidden, msg) }
