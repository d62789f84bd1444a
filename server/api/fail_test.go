package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/auth"
)

// TestFailInPlainWords: a failed API call is answered in plain words, as JSON: the
// errors a person can act on with their own status and what to do; any other with a 500
// and an apology, its cause (Go's words, naming tables and files) going to the log only.
func TestFailInPlainWords(t *testing.T) {
	var logged bytes.Buffer
	f := failer{log: slog.New(slog.NewTextHandler(&logged, nil))}
	for _, c := range []struct {
		err  error
		code int
		want string
	}{
		{fmt.Errorf("join: %w", &auth.PCTakenError{PC: "Alice-Laptop"}), 409, `A PC called "Alice-Laptop" belongs to another person here`},
		{fmt.Errorf("%w: bob", auth.ErrNoUser), 404, "no such user on this server"},
		{fmt.Errorf("%w: 3fx2q", auth.ErrNoDevice), 404, "No device of yours has that id."},
		{auth.ErrBadName, 400, "A user name is 1 to 32"},
		{fmt.Errorf("add a token: %w", errors.New("sqlite: database is locked (5) in /var/lib/hearth/catalog.db")), 500, "The server could not do that; please try again."},
	} {
		logged.Reset()
		w := httptest.NewRecorder()
		f.fail(w, httptest.NewRequest("POST", "/api/v1/devices", nil), c.err)
		var body struct{ Error string }
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%v: not the API's JSON error: %q (%v)", c.err, w.Body, err)
		}
		if w.Code != c.code || !strings.Contains(body.Error, c.want) {
			t.Errorf("%v: %d %q, want %d and %q", c.err, w.Code, body.Error, c.code, c.want)
		}
		for _, leak := range []string{"sqlite", "catalog.db", "join:", "bob", "3fx2q"} {
			if strings.Contains(body.Error, leak) {
				t.Errorf("%v: the answer carries the Go error's words %q: %q", c.err, leak, body.Error)
			}
		}
		if c.code == 500 && !strings.Contains(logged.String(), "database is locked") {
			t.Errorf("%v: the cause was not logged: %q", c.err, logged.String())
		}
	}
}
