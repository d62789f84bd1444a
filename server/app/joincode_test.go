package app_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/joincode"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/catalog"
)

// makeCode asks the API for a join code as user (for whom, when set).
func makeCode(t *testing.T, s *apptest.Server, user, pw, whom string) (int, schema.JoinCode, string) {
	t.Helper()
	body := ""
	if whom != "" {
		body = `{"user": "` + whom + `"}`
	}
	resp, text := s.Do(user, pw, "POST", "/api/v1/joincodes", strings.NewReader(body), "Content-Type", "application/json")
	var jc schema.JoinCode
	json.Unmarshal([]byte(text), &jc)
	return resp.StatusCode, jc, text
}

// joinWith joins a PC named name with a join code's secret, as the connector does.
func joinWith(t *testing.T, s *apptest.Server, secret, name string) (int, schema.Device, string) {
	t.Helper()
	resp, text := s.Do("", "", "POST", "/api/v1/join", strings.NewReader(`{"name": "`+name+`"}`),
		"Content-Type", "application/json", "Authorization", "Join "+secret)
	var d schema.Device
	json.Unmarshal([]byte(text), &d)
	return resp.StatusCode, d, text
}

// A PC joins with a join code instead of a password: the code pins this server's
// authority, works once, for its user, and a wrong one counts as a wrong password.
func TestJoinWithCode(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", "dad-password1", true)
	s.AddUser("mum", "mum-password1", false)
	s.AddUser("kid", "kid-password1", false)
	info, err := s.Admin().Server(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	code, jc, text := makeCode(t, s, "mum", "mum-password1", "")
	if code != 201 || jc.User != "mum" {
		t.Fatalf("mum's code: %d %s", code, text)
	}
	c, err := joincode.Parse(jc.Code)
	if err != nil || !c.Matches(info.CAFingerprint) {
		t.Fatalf("the code %q does not pin this server's authority %s: %v", jc.Code, info.CAFingerprint, err)
	}
	code, dev, text := joinWith(t, s, c.Secret(), "Mum's laptop")
	if code != 201 || dev.User != "mum" || dev.Token == "" {
		t.Fatalf("join with the code: %d %s", code, text)
	}
	resp, me := s.Do("", "", "GET", "/api/v1/me", nil, "Authorization", "Bearer "+dev.Token)
	if resp.StatusCode != 200 || !strings.Contains(me, `"mum"`) {
		t.Errorf("the new device's token: %d %s", resp.StatusCode, me)
	}
	if code, _, text := joinWith(t, s, c.Secret(), "Another PC"); code != 401 || !strings.Contains(text, "bad_join_code") {
		t.Errorf("the code used again: %d %s", code, text)
	}

	// Only an administrator makes a code for someone else; a device token makes none.
	if code, _, text := makeCode(t, s, "mum", "mum-password1", "kid"); code != 403 {
		t.Errorf("mum makes a code for kid: %d %s", code, text)
	}
	resp, text = s.Do("", "", "POST", "/api/v1/joincodes", nil, "Authorization", "Bearer "+dev.Token)
	if resp.StatusCode != 403 {
		t.Errorf("a device token makes a code: %d %s", resp.StatusCode, text)
	}
	code, kids, _ := makeCode(t, s, "dad", "dad-password1", "kid")
	kc, _ := joincode.Parse(kids.Code)
	if code, d, text := joinWith(t, s, kc.Secret(), "Kid's PC"); code != 201 || d.User != "kid" {
		t.Errorf("dad's code for kid: %d %s", code, text)
	}

	// A join that fails (the PC's name is another's) gives the code back for a retry.
	_, again, _ := makeCode(t, s, "mum", "mum-password1", "")
	ac, _ := joincode.Parse(again.Code)
	if code, _, text := joinWith(t, s, ac.Secret(), "Kid's PC"); code != 409 {
		t.Errorf("join under kid's PC's name: %d %s", code, text)
	}
	if code, _, text := joinWith(t, s, ac.Secret(), "Mum's desktop"); code != 201 {
		t.Errorf("the same code after the failed join: %d %s", code, text)
	}

	// A user removed is not joined by an old code of theirs.
	_, old, _ := makeCode(t, s, "dad", "dad-password1", "kid")
	oc, _ := joincode.Parse(old.Code)
	if err := s.Admin().RemoveUser(context.Background(), "kid"); err != nil {
		t.Fatal(err)
	}
	if code, _, text := joinWith(t, s, oc.Secret(), "Kid's new PC"); code != 401 {
		t.Errorf("a code of a removed user: %d %s", code, text)
	}

	// A wrong code is a failed sign-in: recorded, and counted by the guard.
	if code, _, text := joinWith(t, s, "ZZZZZZZZ", "Nobody's PC"); code != 401 || !strings.Contains(text, "join code") {
		t.Errorf("a wrong code: %d %s", code, text)
	}
	var failed int
	s.App.Catalog().View(context.Background(), func(tx *catalog.Tx) error {
		es, err := tx.Events(context.Background(), "login-failed", 100)
		failed = len(es)
		return err
	})
	if failed < 2 {
		t.Errorf("%d failed sign-ins recorded, want the removed user's code and the wrong one", failed)
	}
}
