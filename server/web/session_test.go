package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

// signIn makes a web session with the given Authorization, checks that it opens the API,
// and returns its cookie.
func signIn(t *testing.T, s *apptest.Server, sign func(*http.Request)) *http.Cookie {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/session", nil)
	sign(req)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-hearth_session" && resp.StatusCode == 200 {
			if code := withCookie(t, s, c, "GET", "/api/v1/me", ""); code != 200 {
				t.Fatalf("API with a new session: %d", code)
			}
			return c
		}
	}
	t.Fatalf("sign in: %d, no session cookie", resp.StatusCode)
	return nil
}

// withCookie sends one request with only the session cookie and returns its status.
func withCookie(t *testing.T, s *apptest.Server, c *http.Cookie, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	req.AddCookie(c)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSessionEndsWithPassword: a password change (hearthd user passwd) ends the sessions
// made with the old password at once; the new password makes a working one.
func TestSessionEndsWithPassword(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	old := signIn(t, s, func(r *http.Request) { r.SetBasicAuth("mum", pw) })
	if err := s.Admin().SetPassword(context.Background(), "mum", "another horse"); err != nil {
		t.Fatal(err)
	}
	if code := withCookie(t, s, old, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the old password's session after passwd: %d, want 401", code)
	}
	if code := withCookie(t, s, old, "POST", "/api/v1/devices", `{"name":"thief"}`); code != 401 {
		t.Errorf("the old password's session making a device token: %d, want 401", code)
	}
	if ds, _ := s.Admin().Devices(context.Background()); len(ds) != 0 {
		t.Errorf("devices made by the old session: %+v", ds)
	}
	fresh := signIn(t, s, func(r *http.Request) { r.SetBasicAuth("mum", "another horse") })
	if code := withCookie(t, s, fresh, "GET", "/api/v1/me", ""); code != 200 {
		t.Errorf("a session with the new password: %d", code)
	}
}

// TestSessionEndsWithUser: removing a user ends their sessions, and a new user of the
// same name (even with the same password) does not bring them back.
func TestSessionEndsWithUser(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("guest", pw, false)
	c := signIn(t, s, func(r *http.Request) { r.SetBasicAuth("guest", pw) })
	if err := s.Admin().RemoveUser(context.Background(), "guest"); err != nil {
		t.Fatal(err)
	}
	if code := withCookie(t, s, c, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the session of a removed user: %d, want 401", code)
	}
	// The admin service refuses the name while the old user's folder is there; the
	// accounts themselves take it.
	if _, err := s.App.Accounts.Add(context.Background(), "guest", pw, false); err != nil {
		t.Fatal(err)
	}
	if code := withCookie(t, s, c, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the old session after a user of the same name was made again: %d, want 401", code)
	}
}

// TestSessionEndsWithDevice: a session made from a device token cannot make tokens, and
// ends when the device is removed (hearthd device remove); the user's password session
// goes on.
func TestSessionEndsWithDevice(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	resp, body := s.Do("mum", pw, "POST", "/api/v1/devices", strings.NewReader(`{"name":"laptop"}`), "Content-Type", "application/json")
	var d struct{ ID, Token string }
	if json.Unmarshal([]byte(body), &d); resp.StatusCode != 201 || d.Token == "" {
		t.Fatalf("join: %d %s", resp.StatusCode, body)
	}
	byToken := signIn(t, s, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+d.Token) })
	byPassword := signIn(t, s, func(r *http.Request) { r.SetBasicAuth("mum", pw) })
	if code := withCookie(t, s, byToken, "POST", "/api/v1/devices", `{"name":"thief"}`); code != 403 {
		t.Errorf("the token's session making a token: %d, want 403", code)
	}
	if err := s.Admin().RemoveDevice(context.Background(), d.ID); err != nil {
		t.Fatal(err)
	}
	if code := withCookie(t, s, byToken, "GET", "/api/v1/me", ""); code != 401 {
		t.Errorf("the session of a removed device: %d, want 401", code)
	}
	if code := withCookie(t, s, byPassword, "GET", "/api/v1/me", ""); code != 200 {
		t.Errorf("the password's session after the device was removed: %d, want 200", code)
	}
}
