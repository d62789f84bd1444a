package problem

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// goish are signs of Go's words in what a person reads: file paths, SQL, wrapped chains,
// Go's own error texts, command-line switches.
var goish = regexp.MustCompile(`/var/|/home/|\.db\b|sqlite|sql:|no such file or directory|: \w+:|%!|--\w|\bnil\b|0x[0-9a-f]+|panic|goroutine`)

// TestFailInPlainWords: every failure is answered in the one shape, {"error", "code"},
// with the status and words of the policy; the errors a person can act on say what to
// do, any other is a 500 with an apology, its cause going to the log only.
func TestFailInPlainWords(t *testing.T) {
	wrap := func(err error) error {
		return fmt.Errorf("handle /var/lib/hearth/drive1/.hearth/x: sql: tx: %w", err)
	}
	for _, c := range []struct {
		err    error
		status int
		code   string
		want   string
	}{
		{fmt.Errorf("join: %w", &auth.PCTakenError{PC: "Alice-Laptop"}), 409, "pc_taken", `A PC called "Alice-Laptop" belongs to another person here`},
		{fmt.Errorf("%w: bob", auth.ErrNoUser), 404, "no_user", "no such user on this server"},
		{wrap(auth.ErrUserExists), 409, "user_exists", "exists already"},
		{wrap(auth.ErrNameTaken), 409, "name_taken", "shared folder already has that name"},
		{auth.ErrBadName, 400, "bad_name", "A user name is 1 to 32"},
		{wrap(auth.ErrWeakPassword), 400, "weak_password", "at least 8 characters"},
		{wrap(auth.ErrLastAdmin), 409, "last_admin", "last administrator"},
		{fmt.Errorf("%w: 3fx2q", auth.ErrNoDevice), 404, "no_device", "No device of yours has that id."},
		{wrap(auth.ErrBadDeviceName), 400, "bad_device_name", "1 to 200 bytes"},
		{func() error { _, err := auth.ParseLevel("most"); return err }(), 400, "bad_level", `"none", "read" or "full"`},
		{wrap(pool.ErrNotFound), 404, "not_found", "no such file or folder"},
		{fmt.Errorf("share Music: %w", pool.ErrExist), 409, "exists", "exists already"},
		{fmt.Errorf("%w: no drive has 3 GB free beyond its reserve", pool.ErrPoolFull), 507, "pool_full", "Add a drive"},
		{&os.PathError{Op: "mkdir", Path: "/srv/drive1/Shares/Backups/packs/ab", Err: syscall.ENOSPC}, 507, "pool_full", "Add a drive"},
		{wrap(pool.ErrNoDrives), 503, "no_drives", "No drive of the pool is working"},
		{fmt.Errorf("Videos: %w", pool.ErrNoShare), 404, "no_share", "no shared folder of that name"},
		{fmt.Errorf("Drive 9: %w", pool.ErrDriveUnknown), 404, "no_drive", "no drive of that name"},
		{wrap(safepath.ErrInvalid), 400, "bad_path", "cannot be used"},
		{fmt.Errorf("remove: %w", fmt.Errorf("%w: after removing drive %q only %d working drive is left, so files in %s would have a single copy; add another drive first, or use --force to accept that", pool.ErrRefused, "Drive 2", 1, "Documents")),
			409, "refused", `After removing drive "Drive 2" only 1 working drive is left, so files in Documents would have a single copy; add another drive first, or remove it anyway to accept that.`},
		{wrap(backupstore.ErrNoSession), 410, "session_ended", "start the backup again"},
		{&backupstore.BusyError{PC: "den", Started: time.Now()}, 423, "busy", "A backup of den is running already"},
		{wrap(backupstore.ErrNoSnapshot), 404, "no_backup", "no such backup"},
		{wrap(backupstore.ErrNoBlob), 404, "no_piece", "not on the server"},
		{wrap(backupstore.ErrNotOwner), 403, "not_owner", "belong to another user"},
		{wrap(backupstore.ErrTooLarge), 413, "too_large", "larger than the server accepts"},
		{wrap(backupstore.ErrBadPack), 400, "bad_pack", "damaged"},
		{&backupstore.IncompleteError{Missing: make([]backup.ID, 3)}, 409, "incomplete", "3 pieces"},
		{wrap(backup.ErrBadID), 400, "bad_id", "64 hex digits"},
		{fmt.Errorf("%w: check cpu: area %q", health.ErrBadReport, "x"), 400, "bad_report", "not one this server can use"},
		{wrap(health.ErrNotOwner), 403, "not_owner", "another user"},
		{&http.MaxBytesError{Limit: 10}, 413, "too_large", "larger than the server accepts"},
		{wrap(context.Canceled), 503, "canceled", "cut short"},
		{New(403, CodeAdminOnly, "Only an administrator can do that."), 403, "admin_only", "Only an administrator"},
		{fmt.Errorf("add a token: %w", errors.New("sqlite: database is locked (5) in /var/lib/hearth/catalog.db")), 500, "internal", "could not do that"},
		{errors.New("open /home/ann/x: no such file or directory"), 500, "internal", "could not do that"},
	} {
		var logged bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logged, nil))
		w := httptest.NewRecorder()
		Fail(w, httptest.NewRequest("POST", "/api/v1/devices", nil), log, c.err)
		var body map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Header().Get("Content-Type") != "application/json" || len(body) != 2 {
			t.Errorf("%v: not the API's error shape: %q (%v)", c.err, w.Body, err)
		}
		if w.Code != c.status || body["code"] != c.code || !strings.Contains(body["error"], c.want) {
			t.Errorf("%v: %d %q %q, want %d %q and %q", c.err, w.Code, body["code"], body["error"], c.status, c.code, c.want)
		}
		if m := goish.FindString(body["error"]); m != "" {
			t.Errorf("%v: the answer carries Go's words %q: %q", c.err, m, body["error"])
		}
		for _, leak := range []string{"bob", "3fx2q", "join:", "handle "} {
			if strings.Contains(body["error"], leak) {
				t.Errorf("%v: the answer carries the Go error's words %q: %q", c.err, leak, body["error"])
			}
		}
		if got := logged.Len() > 0; got != (c.status == 500) {
			t.Errorf("%v: logged %v for a %d: %q", c.err, got, c.status, logged.String())
		}
		if c.status == 500 && !strings.Contains(logged.String(), strings.SplitN(c.err.Error(), ": ", 2)[1][:10]) {
			t.Errorf("%v: the cause was not logged: %q", c.err, logged.String())
		}
	}
}
