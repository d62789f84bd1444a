package console

import (
	"errors"
	"strings"
	"unicode"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/hearth-home/hearth/server/settings"
)

// sentences are what a page says when an action fails for a reason a person can act on.
var sentences = []struct {
	err  error
	text string
}{
	{auth.ErrNoUser, "There is no such user. Reload the page to see who there is."},
	{auth.ErrUserExists, "There is a user of that name already. Choose another name."},
	{auth.ErrBadName, "A user name is 1 to 32 letters, digits, '-', '_' or '.', starting with a letter or digit."},
	{auth.ErrWeakPassword, "A password needs at least 8 characters. A few words make a strong one."},
	{auth.ErrLastAdmin, "The server needs at least one administrator. Make someone else an administrator first."},
	{auth.ErrNoDevice, "That device is gone already."},
	{admin.ErrNameTaken, "A shared folder has that name already. Choose another user name."},
	{pool.ErrNoShare, "There is no such shared folder. Reload the page to see those there are."},
	{pool.ErrExist, "Something of that name is there already. Choose another name."},
	{pool.ErrNotFound, "It is not there any more. Reload the page to see what there is."},
	{pool.ErrPoolFull, "The drives are full. Add a drive or make room, then try again."},
	{pool.ErrNoDrives, "No drive of the pool is working. Check that the drives are plugged in."},
	{pool.ErrDriveUnknown, "There is no such drive in the pool. Reload the page to see the drives."},
	{pool.ErrDamaged, "That file is damaged on every drive. Bring it back from a previous version or a backup."},
	{safepath.ErrInvalid, "That name cannot be used: names may not contain / or \\, control characters, or be . or .."},
	{backupstore.ErrNoSnapshot, "That backup is not there any more. Reload the page to see the backups."},
	{backupstore.ErrBusy, "A backup of this computer is running. Try again when it has finished."},
	{pool.ErrShareRemoved, "A removed shared folder has that name. Bring it back, or delete it for good, under Removed shared folders."},
	{admin.ErrBackupsShare, "The Backups folder holds the computers' backups and cannot be removed."},
	{admin.ErrJobRunning, "That is running already; this page shows how far it is."},
	{admin.ErrNoDaemon, "The server is not running. Start it first."},
	{admin.ErrNoRestarter, "This server does not run as a system service, so nothing would start it again. Stop it and start it again yourself."},
	{settings.ErrServerName, "A server name has 1 to 63 characters: letters, digits, spaces, dots or dashes."},
	{settings.ErrMetrics, "Choose who may read the metrics: administrators, anyone on the home network, or no one."},
	{settings.ErrTimeZone, "That is not a time zone this server knows. Use a name such as Europe/London or America/New_York, or leave it empty."},
	{settings.ErrWindow, "The backup window is two times of day, such as 03:00 to 07:00, or both empty for none."},
	{settings.ErrKeep, "Each number of backups to keep is a whole number from 0 to 1000."},
}

// Sentence is err in words for a page: what happened and what to do, never Go's words.
func Sentence(err error) string {
	if _, ok := errors.AsType[*pool.SingleCopiesError](err); ok {
		return "After removing this drive, files in shared folders kept twice would have a single copy. Add another drive first, or tick “Remove it anyway” to accept that."
	}
	for _, s := range sentences {
		if errors.Is(err, s.err) {
			return s.text
		}
	}
	// The pool's refusals carry their reason, written for people, after the sentinel.
	if errors.Is(err, pool.ErrRefused) {
		if _, why, ok := strings.Cut(err.Error(), pool.ErrRefused.Error()+": "); ok && plain(why) {
			return upperFirst(why) + "."
		}
	}
	return "The server could not do that. Please try again; if it keeps failing, look at Events."
}

// plain reports whether a reason reads as a sentence rather than a Go error chain.
func plain(s string) bool {
	return s != "" && len(s) < 300 && !strings.Contains(s, "/") && !strings.Contains(s, ": ")
}

func upperFirst(s string) string {
	r := []rune(strings.TrimSuffix(s, "."))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}
