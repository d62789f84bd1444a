package connector_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/internal/joincode"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// newCode asks a server for a join code for user, as Get the connector does.
func newCode(t *testing.T, s *apptest.Server, user string) joincode.Code {
	t.Helper()
	resp, body := s.Do(user, pw, "POST", "/api/v1/joincodes", nil)
	var jc struct{ Code string }
	json.Unmarshal([]byte(body), &jc)
	c, err := joincode.Parse(jc.Code)
	if resp.StatusCode != 201 || err != nil {
		t.Fatalf("a join code: %d %s %v", resp.StatusCode, body, err)
	}
	return c
}

// A PC joins with a join code alone: the code finds its server among those announced,
// another server (another authority) is refused before the code is spent, and the PC
// joins as the code's user.
func TestJoinWithCode(t *testing.T) {
	ctx := context.Background()
	s, other := apptest.Start(t), apptest.Start(t)
	s.AddUser("mum", pw, false)
	code := newCode(t, s, "mum")

	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	otherID, err := connector.Probe(ctx, other.URL)
	if err != nil {
		t.Fatal(err)
	}
	hex := func(fp string) string { return strings.ToLower(strings.ReplaceAll(fp, ":", "")) }
	found := []connector.Found{{Instance: "other", URL: other.URL, Fingerprint: hex(otherID.CAFingerprint)}, {Instance: "ours", URL: s.URL, Fingerprint: hex(id.CAFingerprint)}}
	if f, ok := connector.ServerForCode(found, code); !ok || f.Instance != "ours" {
		t.Errorf("the code picks %+v, %v among the servers announced; want ours", f, ok)
	}
	if _, ok := connector.ServerForCode(found[:1], code); ok {
		t.Error("the code picks a server that did not make it")
	}

	// Something standing in for the server (here, another one) is refused, and the code
	// is still good afterwards.
	if _, err := connector.JoinWithCode(ctx, otherID, code, "laptop"); !errors.Is(err, connector.ErrNotCodesServer) {
		t.Errorf("join another server with the code: %v", err)
	}
	cfg, err := connector.JoinWithCode(ctx, id, code, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "mum" || cfg.Token == "" || cfg.CAFingerprint != id.CAFingerprint {
		t.Fatalf("config %+v", cfg)
	}
	if me, err := cfg.Me(ctx); err != nil || me.Name != "mum" {
		t.Errorf("the API with the new token: %+v %v", me, err)
	}
	if _, err := connector.JoinWithCode(ctx, id, code, "desktop"); !errors.Is(err, connector.ErrBadJoinCode) {
		t.Errorf("the code used twice: %v", err)
	}
}
