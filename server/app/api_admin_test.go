package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestAdministratorsCalls: an administrator runs the family's users, shares and access
// over the API, with the operations the hearthd commands use, and is told in plain words
// what happened and what cannot be done.
func TestAdministratorsCalls(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("root", "root-password1", true)
	do := func(method, path, body string, want int, out any) string {
		t.Helper()
		code, _, text := call(t, s, method, path, body, []string{"Authorization", basic("root", "root-password1")})
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, text, want)
		}
		if out != nil {
			if err := json.Unmarshal([]byte(text), out); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, text)
			}
		}
		return text
	}
	var p schema.Problem

	// A new user gets a share of their own; a name a share has is refused in words.
	do("POST", "/api/v1/users", `{"name": "ann", "password": "ann-password1"}`, 201, nil)
	do("POST", "/api/v1/users", `{"name": "Music", "password": "music-password1"}`, 409, &p)
	if p.Code != "name_taken" {
		t.Errorf("a user named as a share: %+v", p)
	}
	do("POST", "/api/v1/users", `{"name": "bob", "password": "short"}`, 400, &p)
	if p.Code != "weak_password" || !strings.Contains(p.Error, "8 characters") {
		t.Errorf("a short password: %+v", p)
	}
	var shares []schema.ShareDetail
	do("GET", "/api/v1/shares", "", 200, &shares)
	if !strings.Contains(shareNames(shares), "ann,") || strings.Contains(shareNames(shares), "Backups") {
		t.Errorf("shares: %s; want ann's own, not the backups' share", shareNames(shares))
	}

	// The last administrator stays one; made an administrator, ann may open every share.
	do("PUT", "/api/v1/users/root/admin", `{"admin": false}`, 409, &p)
	if p.Code != "last_admin" {
		t.Errorf("unmaking the last administrator: %+v", p)
	}
	do("POST", "/api/v1/shares", `{"name": "Recipes", "description": "Food"}`, 201, nil)
	do("PUT", "/api/v1/users/ann/admin", `{"admin": true}`, 204, nil)
	var access []schema.AccessEntry
	do("GET", "/api/v1/access", "", 200, &access)
	for _, e := range access {
		if e.User == "ann" && e.Level != "full" {
			t.Errorf("ann, an administrator now, has %s on %s", e.Level, e.Share)
		}
	}
	var me schema.Me
	if code, _, text := call(t, s, "GET", "/api/v1/me", "", []string{"Authorization", basic("ann", "ann-password1")}); code != 200 || json.Unmarshal([]byte(text), &me) != nil || !me.Admin {
		t.Errorf("ann's /me: %d %s", code, text)
	}
	do("PUT", "/api/v1/users/root/admin", `{"admin": false}`, 204, nil)
	if code, _, _ := call(t, s, "GET", "/api/v1/users", "", []string{"Authorization", basic("root", "root-password1")}); code != 403 {
		t.Errorf("root, no administrator any more, lists users: %d", code)
	}
	admin := func(method, path, body string, want int, out any) {
		t.Helper()
		code, _, text := call(t, s, method, path, body, []string{"Authorization", basic("ann", "ann-password1")})
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, text, want)
		}
		if out != nil {
			json.Unmarshal([]byte(text), out)
		}
	}

	// Access is set per share and user; a level that is none of the three is refused.
	admin("PUT", "/api/v1/shares/Recipes/access/root", `{"level": "read"}`, 204, nil)
	admin("PUT", "/api/v1/shares/Recipes/access/root", `{"level": "most"}`, 400, &p)
	if p.Code != "bad_level" {
		t.Errorf("a level of most: %+v", p)
	}
	admin("PUT", "/api/v1/shares/Nope/access/root", `{"level": "read"}`, 404, &p)
	admin("PUT", "/api/v1/shares/Recipes/access/nobody", `{"level": "read"}`, 404, &p)
	var share schema.ShareDetail
	admin("PATCH", "/api/v1/shares/Recipes", `{"description": "What we cook", "copies": 1}`, 200, &share)
	if share.Description != "What we cook" || share.Copies != 1 {
		t.Errorf("changed share: %+v", share)
	}
	if share.Media {
		t.Errorf("a new share is streamed to the TVs: %+v", share)
	}
	// Streaming to the TVs is turned on and off alone: the rest stays.
	for _, on := range []bool{true, false} {
		admin("PATCH", "/api/v1/shares/Recipes", fmt.Sprintf(`{"media": %v}`, on), 200, &share)
		if share.Media != on || share.Description != "What we cook" || share.Copies != 1 {
			t.Errorf("after media %v: %+v", on, share)
		}
	}

	// Removing a user says what became of their own share; removing oneself is refused.
	admin("DELETE", "/api/v1/users/ann", "", 409, &p)
	var done schema.Done
	admin("PUT", "/api/v1/users/root/admin", `{"admin": true}`, 204, nil)
	do("DELETE", "/api/v1/users/ann", "", 200, &done)
	if !strings.Contains(done.Result, `"ann" and its files stay`) {
		t.Errorf("removing ann: %+v", done)
	}

	// The event log is filtered by kind: a wrong password is there as a sign-in failure.
	call(t, s, "GET", "/api/v1/me", "", []string{"Authorization", basic("root", "wrong-password")})
	var events []schema.Event
	do("GET", "/api/v1/events?kind=login", "", 200, &events)
	if len(events) != 1 || events[0].Kind != "login-failed" {
		t.Errorf("sign-in events: %+v", events)
	}
	do("GET", "/api/v1/events?limit=0", "", 400, &p)

	// The pool: a scrub runs as a job, followed to its end and its words.
	var job schema.Job
	do("POST", "/api/v1/pool/scrub", "", 202, &job)
	if job.Kind != "scrub" || job.ID == 0 {
		t.Errorf("scrub: %+v", job)
	}
	var jobs []schema.Job
	pooltest.Eventually(t, 20*time.Second, "the scrub ends", func() bool {
		do("GET", "/api/v1/jobs", "", 200, &jobs)
		return len(jobs) > 0 && jobs[0].ID == job.ID && jobs[0].State == "done"
	})
	if !strings.Contains(jobs[0].Result, "Checked") && !strings.Contains(jobs[0].Result, "checked") {
		t.Errorf("the scrub's result: %+v", jobs[0])
	}
	var st schema.PoolStatus
	do("GET", "/api/v1/pool", "", 200, &st)
	if len(st.Drives) != 1 || st.LastScrub == nil {
		t.Errorf("pool status: %+v", st)
	}
	do("DELETE", "/api/v1/drives/Nope", "", 404, &p)
	if p.Code != "no_drive" {
		t.Errorf("removing no drive: %+v", p)
	}
	do("GET", "/api/v1/nothing/here", "", 404, &p)
	do("PATCH", "/api/v1/users", "{}", 405, &p)
	if p.Code != "method_not_allowed" {
		t.Errorf("a method a call does not take: %+v", p)
	}
}

func shareNames(ss []schema.ShareDetail) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(s.Name + ",")
	}
	return b.String()
}
