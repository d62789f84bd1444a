package console

import (
	"errors"
	"net/http"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/api/problem"
	"github.com/hearth-home/hearth/server/pool"
)

// sentences are the pages' own words for what only the console meets; every other
// error is worded as the API words it (problem.Of), so a page and a program are told
// the same.
var sentences = []struct {
	err  error
	text string
}{
	{admin.ErrBackupsShare, "The Backups folder holds the computers' backups and cannot be removed."},
	{admin.ErrJobRunning, "That is running already; this page shows how far it is."},
	{admin.ErrNoDaemon, "The server is not running. Start it first."},
	{admin.ErrNoRestarter, "This server does not run as a system service, so nothing would start it again. Stop it and start it again yourself."},
	{errChangedSince, "Someone changed it since, so the undo left it as it is."},
	{admin.ErrNameTaken, "A shared folder has that name already. Choose another user name."},
}

// Sentence is err in words for a page: what happened and what to do, never Go's words.
func Sentence(err error) string {
	if _, ok := errors.AsType[*pool.SingleCopiesError](err); ok {
		return "After removing this drive, files in shared folders kept twice would have a single copy. Add another drive first, or tick \u201cRemove it anyway\u201d to accept that."
	}
	for _, s := range sentences {
		if errors.Is(err, s.err) {
			return s.text
		}
	}
	status, _, msg := problem.Of(err)
	if status == http.StatusInternalServerError {
		return "The server could not do that. Please try again; if it keeps failing, look at Events."
	}
	return msg
}
