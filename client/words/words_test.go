package words

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"syscall"
	"testing"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/internal/plainwords"
)

// davErr is as go-webdav's client fails a refused request: "403 Forbidden: " and the
// server's body, which it unwraps to.
type davErr struct{ body error }

func (e *davErr) Error() string { return "403 Forbidden: " + e.body.Error() }
func (e *davErr) Unwrap() error { return e.body }

func TestPlain(t *testing.T) {
	away := &url.Error{Op: "Post", URL: "https://h:8443/api", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	for _, c := range []struct {
		err  error
		want string // "" : not known
	}{
		{nil, ""},
		{errors.New("a sentence of the UI's own"), ""},
		{fmt.Errorf("start the backup: reach h: %w", away), Unreachable},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), Unreachable},
		{fmt.Errorf("reach h: %w", io.ErrUnexpectedEOF), Lost},
		{fmt.Errorf("x: %w", connector.ErrBadCredentials), NotJoined},
		{fmt.Errorf("x: %w", connector.ErrPinMismatch), OtherServer},
		{connector.ErrNotJoined, NeverJoined},
		{fmt.Errorf("/home/ann/.config/hearth/connector.json: %w (unexpected end of JSON input)", connector.ErrDamaged), Damaged},
		{fmt.Errorf("%w: %w", backupclient.ErrPCName, errors.New(`"a/b" is not a usable PC name`)), BadPCName},
		{fmt.Errorf("x: %w", &backupclient.StatusError{Code: 401, Msg: "this PC's sign-in was refused", Err: connector.ErrBadCredentials}), NotJoined},
		{fmt.Errorf("x: %w", backupclient.ErrRunning), Running},
		{fmt.Errorf("x: %w", backupclient.ErrNoSuchBackup), NoBackup},
		{&connector.ServerError{Status: 403, Msg: "You may only read this share."}, "You may only read this share."},
		{fmt.Errorf("x: %w", &backupclient.StatusError{Code: 507, Msg: "The server's drives are full."}), "The server's drives are full."},
		{fmt.Errorf("make the folder A: %w", &davErr{errors.New("You may read the share Public but not change it.")}), "You may read the share Public but not change it."},
		{&os.PathError{Op: "mkdir", Path: "/r/a", Err: syscall.EACCES}, NoAccess},
		{&os.PathError{Op: "write", Path: "/r/a", Err: syscall.ENOSPC}, Full},
		{&os.PathError{Op: "mkdir", Path: "/r/file/a", Err: syscall.ENOTDIR}, NotFolder},
	} {
		got, ok := Plain(c.err)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Plain(%v) = %q %v; want %q", c.err, got, ok, c.want)
		}
		if f := plainwords.Find(got); len(f) > 0 {
			t.Errorf("Plain(%v) says %q, Go-ish: %q", c.err, got, f)
		}
	}
	if got := Sentence(away, "x"); got != "T"+Unreachable[1:] {
		t.Errorf("Sentence: %q", got)
	}
}
