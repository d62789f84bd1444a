// Package words is the one place where the connector's errors become words for a person:
// the CLI, the tray and the console all say a failure the same way, and none of them
// shows Go's own text (a network call, "EOF", a path and errno).
package words

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
)

// The failures every UI meets, in words for a person. They start in lower case: each UI
// puts them after a colon ("hearth: …", "The backup failed: …") or capitalises them.
const (
	Unreachable = "the server cannot be reached. Check that it is switched on and that this PC is connected to the home network or the internet, then try again."
	Lost        = "the connection to the server was lost. Check that it is switched on and that this PC is connected to the home network, then try again."
	NotJoined   = "the server no longer knows this PC. In Hearth's Settings, leave the server, then join it again."
	NeverJoined = "this PC has not joined a server yet."
	Damaged     = "what this PC saved when it joined the server is damaged. In Hearth's Settings, leave the server, then join it again."
	BadPCName   = "this PC's name cannot name its backups. In Hearth's Settings, leave the server, then join it again under a shorter name made of letters and digits."
	OtherServer = "the server answering is not the one this PC joined, so Hearth did not trust it. If the server was set up again, leave it in Hearth's Settings and join it again."
	Running     = "another program on this PC is backing it up; try again when it has finished."
	NoAccess    = "Hearth may not read or write there. Choose another folder, or ask whoever looks after this PC."
	Full        = "the drive is full. Free some space, or choose another folder, then try again."
	NotFolder   = "that place is not a folder Hearth can write into. Choose another folder."
	NoBackup    = "that backup is not on the server (it may have been let go by the retention rule since it was listed). Choose one of the backups it lists now."
	Unexpected  = "something unexpected went wrong; the log has the details."
)

// Plain says why something failed in words for a person, when it is a failure the UIs
// know: the server away or lost, this PC unknown to it, another server in its place, a
// refusal the server explained itself, or a folder on this PC that cannot be used.
func Plain(err error) (string, bool) {
	var se *connector.ServerError
	var st *backupclient.StatusError
	var ne net.Error
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, connector.ErrPinMismatch):
		return OtherServer, true
	case errors.Is(err, connector.ErrBadCredentials):
		return NotJoined, true
	case errors.Is(err, connector.ErrNotJoined):
		return NeverJoined, true
	case errors.Is(err, connector.ErrDamaged):
		return Damaged, true
	case errors.Is(err, backupclient.ErrPCName):
		return BadPCName, true
	case errors.Is(err, backupclient.ErrRunning):
		return Running, true
	case errors.Is(err, backupclient.ErrNoSuchBackup):
		return NoBackup, true
	case errors.As(err, &se):
		return se.Msg, true
	case davRefusal(err) != "":
		return davRefusal(err), true
	case errors.As(err, &st):
		return st.Msg, true
	// The file errors come before the network ones: a path error is not the server's.
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return Full, true
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return NoAccess, true
	case errors.Is(err, syscall.ENOTDIR):
		return NotFolder, true
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return Unreachable, true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET):
		return Lost, true
	}
	return "", false
}

// Say is why something failed in words: Plain's when it knows the failure, else err's
// own text, which must then be a sentence (the UIs' own errors are).
func Say(err error) string {
	if s, ok := Plain(err); ok {
		return s
	}
	return err.Error()
}

// Or is why something failed in plain words, or otherwise: never Go's own text.
func Or(err error, otherwise string) string {
	if s, ok := Plain(err); ok {
		return s
	}
	return otherwise
}

// Sentence is Or's words begun with a capital letter, for a notification or a dialog
// that shows them alone.
func Sentence(err error, otherwise string) string {
	s := Or(err, otherwise)
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// davRefusal is the server's own words for a refusal over the drive (WebDAV): the
// WebDAV client wraps them in an error saying "403 Forbidden: …", whose Unwrap is the
// server's plain text/plain body. "" when err holds none.
func davRefusal(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		inner := errors.Unwrap(e)
		code, rest, ok := strings.Cut(e.Error(), " ")
		n, cerr := strconv.Atoi(code)
		if inner == nil || !ok || cerr != nil || n < 400 || n > 599 {
			continue
		}
		if rest == http.StatusText(n)+": "+inner.Error() {
			return inner.Error()
		}
	}
	return ""
}
