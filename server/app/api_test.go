package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/api"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/backupapi"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/healthapi"
	"github.com/hearth-home/hearth/server/upload"
	"github.com/hearth-home/hearth/server/web"
)

// allRoutes are the calls the API's handlers serve.
func allRoutes() []string {
	return slices.Concat(api.Routes(), backupapi.Routes(), healthapi.Routes(), upload.Routes(), []string{"POST " + web.JoinPath})
}

// TestOpenAPIDocumentsEveryCall: the document served at /api/v1/openapi.json names
// exactly the calls the handlers serve, each with its methods; a call added to a handler
// and not to the document (or the other way round) fails here.
func TestOpenAPIDocumentsEveryCall(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("root", "root-password1", true)
	resp, body := s.Do("root", "root-password1", "GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comps   struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || resp.StatusCode != 200 || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %d %v %.200s", resp.StatusCode, err, body)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			documented[strings.ToUpper(method)+" "+path] = true
			if _, ok := op["responses"].(map[string]any)["default"]; !ok {
				t.Errorf("%s %s: no error response documented", method, path)
			}
		}
	}
	served := map[string]bool{}
	for _, r := range allRoutes() {
		served[r] = true
		if !documented[r] {
			t.Errorf("%s is served but not in the OpenAPI document", r)
		}
	}
	for r := range documented {
		if !served[r] {
			t.Errorf("%s is in the OpenAPI document but no handler serves it", r)
		}
	}
	for _, name := range []string{"Problem", "User", "ShareDetail", "AccessEntry", "Drive", "PoolStatus", "Event", "BackupPC", "Snapshot", "Health", "Device", "Me"} {
		if doc.Comps.Schemas[name] == nil {
			t.Errorf("the document has no schema for %s", name)
		}
	}
	// Every call is reached through the server's own wiring: none is answered as a call
	// it does not know (the document could name calls app.go does not mount).
	for _, r := range slices.Sorted(maps.Keys(documented)) {
		if r == "POST /api/v1/server/shutdown" {
			continue // it would stop the server for the calls after it; the permission table calls it last
		}
		if r == "POST "+web.JoinPath {
			continue // it takes a join code, no password (TestJoinWithCode)
		}
		method, path, _ := strings.Cut(r, " ")
		path = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
		code, _, body := call(t, s, method, path, "{}", []string{"Authorization", basic("root", "root-password1")})
		var p struct{ Code string }
		json.Unmarshal([]byte(body), &p)
		if p.Code == "no_such_call" || p.Code == "method_not_allowed" || code == 401 {
			t.Errorf("%s: %d %s", r, code, body)
		}
	}
}

// goish are signs of Go's words (paths, SQL, wrapped chains, switches) in what a person
// reads.
var goish = regexp.MustCompile(`/var/|/tmp/|/home/|\.db\b|sqlite|sql:|no such file or directory|: \w+:|%!|--\w|\bnil\b|panic|goroutine|json:|unexpected EOF|invalid character`)

// TestAPIPermissions is the permission table: every API call made anonymously (401), by
// a device token, by an ordinary user and by an administrator, with the status each
// gets. Administrators' calls refuse users and every device token (403); a token does
// only what its own PC needs. Every refusal and failure comes in the API's one error
// shape, in plain words. A call added to a handler without a row here fails the test.
func TestAPIPermissions(t *testing.T) {
	s := apptest.Start(t)
	const rootPW, annPW, bobPW = "root-password1", "ann-password1", "bob-password1"
	s.AddUser("root", rootPW, true)
	s.AddUser("ann", annPW, false)
	s.AddUser("bob", bobPW, false)
	// ann's laptop joins with her password and gets a token that acts for it alone.
	resp, body := s.Do("ann", annPW, "POST", "/api/v1/devices", strings.NewReader(`{"name": "ann-laptop"}`), "Content-Type", "application/json")
	var dev struct{ Token string }
	if json.Unmarshal([]byte(body), &dev); resp.StatusCode != 201 || dev.Token == "" {
		t.Fatalf("join: %d %s", resp.StatusCode, body)
	}
	when := time.Now().Add(-72 * time.Hour)
	var snaps []string
	for i := range 3 {
		id := backupfstest.Backup(t, s.App.Backups, "ann-laptop", "ann", when.Add(time.Duration(i)*time.Hour), "/home/ann",
			[]backupfstest.Entry{{Path: "diary.txt", Data: []byte("day " + string(rune('a'+i))), Mtime: when}})
		snaps = append(snaps, id.String())
	}
	bobSnap := backupfstest.Backup(t, s.App.Backups, "bob-pc", "bob", when, "/home/bob",
		[]backupfstest.Entry{{Path: "notes.txt", Data: []byte("bob's"), Mtime: when}}).String()
	zero := strings.Repeat("0", 64)
	drive := t.TempDir()
	report := `{"os": "linux", "time": "` + time.Now().UTC().Format(time.RFC3339) + `", "checks": []}`
	const any2xx = -2
	// An upload each of ann and bob began (tus): only its owner may touch it.
	annUp, bobUp := beginUpload(t, s, "ann", annPW), beginUpload(t, s, "bob", bobPW)

	rows := []struct {
		route, path, body  string
		token, user, admin int
	}{
		{"GET /api/v1/me", "/api/v1/me", "", 200, 200, 200},
		{"GET /api/v1/server", "/api/v1/server", "", 200, 200, 200},
		{"GET /api/v1/openapi.json", "/api/v1/openapi.json", "", 200, 200, 200},
		{"POST /api/v1/devices", "/api/v1/devices", `{"name": "ann-phone"}`, 403, 201, 409},
		{"GET /api/v1/devices", "/api/v1/devices", "", 200, 200, 200},
		{"POST /api/v1/joincodes", "/api/v1/joincodes", "", 403, 201, 201},
		// A join code, no other sign-in (TestJoinWithCode).
		{"POST /api/v1/join", "/api/v1/join", `{"name": "x"}`, 401, 401, 401},
		{"DELETE /api/v1/devices/{id}", "/api/v1/devices/nosuch", "", 404, 404, 404},
		{"POST /api/v1/links", "/api/v1/links", `{"path": "ann", "kind": "read"}`, 403, 201, 403}, // root has no access to ann's own folder
		{"GET /api/v1/links", "/api/v1/links", "", 200, 200, 200},
		{"DELETE /api/v1/links/{id}", "/api/v1/links/nosuch", "", 404, 404, 404},
		{"GET /api/v1/files/search", "/api/v1/files/search?q=diary&limit=5", "", 200, 200, 200},

		{"GET /api/v1/users", "/api/v1/users", "", 403, 403, 200},
		{"POST /api/v1/users", "/api/v1/users", `{"name": "carl", "password": "carl-password1"}`, 403, 403, 201},
		{"DELETE /api/v1/users/{name}", "/api/v1/users/carl", "", 403, 403, 200},
		{"PUT /api/v1/users/{name}/password", "/api/v1/users/bob/password", `{"password": "bob-password2"}`, 403, 403, 204},
		{"PUT /api/v1/users/{name}/admin", "/api/v1/users/bob/admin", `{"admin": false}`, 403, 403, 204},
		{"GET /api/v1/shares", "/api/v1/shares", "", 403, 403, 200},
		{"POST /api/v1/shares", "/api/v1/shares", `{"name": "Recipes", "description": "Food"}`, 403, 403, 201},
		{"PATCH /api/v1/shares/{name}", "/api/v1/shares/Recipes", `{"copies": 1}`, 403, 403, 200},
		{"GET /api/v1/access", "/api/v1/access", "", 403, 403, 200},
		{"PUT /api/v1/shares/{share}/access/{user}", "/api/v1/shares/Recipes/access/ann", `{"level": "read"}`, 403, 403, 204},
		{"GET /api/v1/drives", "/api/v1/drives", "", 403, 403, 200},
		{"POST /api/v1/drives", "/api/v1/drives", `{"path": "` + drive + `", "label": "Second"}`, 403, 403, 201},
		{"DELETE /api/v1/drives/{label}", "/api/v1/drives/Second?force=true", "", 403, 403, any2xx},
		{"GET /api/v1/pool", "/api/v1/pool", "", 403, 403, 200},
		{"POST /api/v1/pool/scrub", "/api/v1/pool/scrub", "", 403, 403, any2xx},
		{"POST /api/v1/pool/repair", "/api/v1/pool/repair", "", 403, 403, any2xx},
		{"GET /api/v1/events", "/api/v1/events?kind=login&limit=5", "", 403, 403, 200},
		{"GET /api/v1/jobs", "/api/v1/jobs", "", 403, 403, 200},
		{"GET /api/v1/disks", "/api/v1/disks", "", 403, 403, 200},
		{"DELETE /api/v1/shares/{name}", "/api/v1/shares/Recipes", "", 403, 403, 204},
		{"GET /api/v1/removed-shares", "/api/v1/removed-shares", "", 403, 403, 200},
		{"POST /api/v1/removed-shares/{name}/restore", "/api/v1/removed-shares/Recipes/restore", "", 403, 403, 204},
		{"DELETE /api/v1/removed-shares/{name}", "/api/v1/removed-shares/Nope", "", 403, 403, 404},
		{"GET /api/v1/settings", "/api/v1/settings", "", 403, 403, 200},
		{"PUT /api/v1/settings", "/api/v1/settings", `{"server_name": "Family", "default_keep": {"last": 5, "daily": 3, "weekly": 3, "monthly": 3}, "metrics": "admin", "time_zone": "", "backup_window": {"start": "", "end": ""}}`, 403, 403, 200},
		{"POST /api/v1/server/restart", "/api/v1/server/restart", "", 403, 403, 409},

		{"GET /api/v1/backup/pcs", "/api/v1/backup/pcs", "", 200, 200, 200},
		{"POST /api/v1/backup/pcs/{pc}/sessions", "/api/v1/backup/pcs/bob-pc/sessions", `{}`, 403, 403, 403},
		{"GET /api/v1/backup/pcs/{pc}/snapshots", "/api/v1/backup/pcs/ann-laptop/snapshots", "", 200, 200, 200},
		{"GET /api/v1/backup/pcs/{pc}/snapshots", "/api/v1/backup/pcs/bob-pc/snapshots", "", 403, 403, 200},
		{"GET /api/v1/backup/pcs/{pc}/snapshots/{id}", "/api/v1/backup/pcs/ann-laptop/snapshots/" + snaps[0], "", 200, 200, 200},
		{"DELETE /api/v1/backup/pcs/{pc}/snapshots/{id}", "/api/v1/backup/pcs/ann-laptop/snapshots/" + snaps[1], "", 403, 204, 404},
		{"DELETE /api/v1/backup/pcs/{pc}/snapshots/{id}", "/api/v1/backup/pcs/bob-pc/snapshots/" + bobSnap, "", 403, 403, 204},
		{"GET /api/v1/backup/pcs/{pc}/deleted", "/api/v1/backup/pcs/ann-laptop/deleted", "", 200, 200, 200},
		{"POST /api/v1/backup/pcs/{pc}/snapshots/{id}/undelete", "/api/v1/backup/pcs/ann-laptop/snapshots/" + snaps[1] + "/undelete", "", 200, 404, 404},
		{"POST /api/v1/backup/pcs/{pc}/snapshots/{id}/undelete", "/api/v1/backup/pcs/bob-pc/snapshots/" + bobSnap + "/undelete", "", 403, 403, 200},
		{"PUT /api/v1/backup/pcs/{pc}/snapshots/{id}/pin", "/api/v1/backup/pcs/ann-laptop/snapshots/" + snaps[0] + "/pin", "", 204, 204, 204},
		{"DELETE /api/v1/backup/pcs/{pc}/snapshots/{id}/pin", "/api/v1/backup/pcs/ann-laptop/snapshots/" + snaps[0] + "/pin", "", 403, 204, 204},
		{"GET /api/v1/backup/pcs/{pc}/blobs/{id}", "/api/v1/backup/pcs/ann-laptop/blobs/" + zero, "", 404, 404, 404},
		{"GET /api/v1/backup/pcs/{pc}/blobs/{id}", "/api/v1/backup/pcs/bob-pc/blobs/" + zero, "", 403, 403, 404},
		{"POST /api/v1/backup/pcs/{pc}/blobs", "/api/v1/backup/pcs/ann-laptop/blobs", "", 400, 400, 400},
		{"PUT /api/v1/backup/pcs/{pc}/keep", "/api/v1/backup/pcs/ann-laptop/keep", `{"last": 0, "daily": 0, "weekly": 0, "monthly": 0}`, 403, 200, 200},
		{"PUT /api/v1/backup/pcs/{pc}/keep", "/api/v1/backup/pcs/ann-laptop/keep", `{"last": 9, "daily": 9, "weekly": 9, "monthly": 9}`, 200, 200, 200},
		{"POST /api/v1/backup/cleanup", "/api/v1/backup/cleanup", "", 403, 403, 200},
		{"POST /api/v1/backup/pcs/{pc}/sessions", "/api/v1/backup/pcs/ann-laptop/sessions", `{}`, 201, 423, 403},
		{"POST /api/v1/backup/sessions/{s}/missing", "/api/v1/backup/sessions/nosuch/missing", "", 410, 410, 410},
		{"PUT /api/v1/backup/sessions/{s}/packs/{id}", "/api/v1/backup/sessions/nosuch/packs/" + zero, "", 410, 410, 410},
		{"POST /api/v1/backup/sessions/{s}/commit", "/api/v1/backup/sessions/nosuch/commit", "{}", 410, 410, 410},
		{"POST /api/v1/backup/sessions/{s}/alive", "/api/v1/backup/sessions/nosuch/alive", "", 410, 410, 410},
		{"DELETE /api/v1/backup/sessions/{s}", "/api/v1/backup/sessions/nosuch", "", 410, 410, 410},

		{"GET /api/v1/health", "/api/v1/health", "", 200, 200, 200},
		{"GET /api/v1/health/stream", "/api/v1/health/stream", "", 200, 200, 200},
		{"PUT /api/v1/health/pcs/{pc}", "/api/v1/health/pcs/ann-laptop", report, 204, 204, 204},
		{"PUT /api/v1/health/pcs/{pc}", "/api/v1/health/pcs/bob-pc", report, 403, 403, 204},
		{"POST /api/v1/health/evacuate", "/api/v1/health/evacuate", `{"drive": "Nope"}`, 403, 403, 409},

		{"OPTIONS /api/v1/uploads", "/api/v1/uploads", "", 204, 204, 204},
		{"POST /api/v1/uploads", "/api/v1/uploads", "", 201, 201, 201},
		{"HEAD /api/v1/uploads/{id}", "/api/v1/uploads/" + annUp, "", 200, 200, 404},
		{"PATCH /api/v1/uploads/{id}", "/api/v1/uploads/" + annUp, "", 204, 204, 404},
		{"DELETE /api/v1/uploads/{id}", "/api/v1/uploads/" + bobUp, "", 404, 404, 404},
		{"DELETE /api/v1/uploads/{id}", "/api/v1/uploads/" + annUp, "", 204, 404, 404},
		// Last: the server stops after it answers.
		{"POST /api/v1/server/shutdown", "/api/v1/server/shutdown", "", 403, 403, 202},
	}
	covered := map[string]bool{}
	for _, row := range rows {
		covered[row.route] = true
		method, pattern, _ := strings.Cut(row.route, " ")
		mux := http.NewServeMux()
		mux.HandleFunc(row.route, func(http.ResponseWriter, *http.Request) {})
		req, _ := http.NewRequest(method, "https://h"+row.path, nil)
		if _, got := mux.Handler(req); got != row.route {
			t.Errorf("row %s: %s is not that call (%q)", row.route, row.path, pattern)
		}
		type role struct {
			name string
			auth []string
			want int
		}
		for _, r := range []role{
			{"anonymous", nil, 401},
			{"device token", []string{"Authorization", "Bearer " + dev.Token}, row.token},
			{"user", []string{"Authorization", basic("ann", annPW)}, row.user},
			{"administrator", []string{"Authorization", basic("root", rootPW)}, row.admin},
		} {
			code, ctype, text := call(t, s, method, row.path, row.body, r.auth)
			if code != r.want && !(r.want == any2xx && code >= 200 && code < 300) {
				t.Errorf("%s %s as %s: %d %s, want %d", method, row.path, r.name, code, text, r.want)
			}
			if code < 400 || method == "HEAD" { // a HEAD's answer has no body
				continue
			}
			var p map[string]string
			if err := json.Unmarshal([]byte(text), &p); err != nil || ctype != "application/json" || p["error"] == "" || p["code"] == "" {
				t.Errorf("%s %s as %s: %d not in the API's error shape: %s %q", method, row.path, r.name, code, ctype, text)
			}
			if m := goish.FindString(p["error"]); m != "" {
				t.Errorf("%s %s as %s: the answer carries Go's words %q: %q", method, row.path, r.name, m, p["error"])
			}
		}
	}
	for _, r := range allRoutes() {
		if !covered[r] {
			t.Errorf("%s has no row in the permission table", r)
		}
	}
	for r := range covered {
		if !slices.Contains(allRoutes(), r) {
			t.Errorf("the permission table's %s is no call the handlers serve", r)
		}
	}
}

func basic(user, pw string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pw)
	return req.Header.Get("Authorization")
}

// call makes one request and returns its status, type and (for a stream, no) body.
func call(t *testing.T, s *apptest.Server, method, path, body string, hdr []string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if strings.Contains(path, "/blobs") || strings.Contains(path, "/packs/") || strings.HasSuffix(path, "/missing") {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	if strings.HasPrefix(path, upload.Prefix) { // the tus protocol's headers
		req.Header.Set("Tus-Resumable", "1.0.0")
		switch method {
		case "POST":
			req.Header.Set("Upload-Length", "5")
			req.Header.Set("Upload-Metadata", "folder "+b64("Public")+",filename "+b64("permissions.txt"))
		case "PATCH":
			req.Header.Set("Content-Type", "application/offset+octet-stream")
			req.Header.Set("Upload-Offset", "0")
		}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	ctype, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	if ctype == "text/event-stream" {
		return resp.StatusCode, ctype, ""
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, ctype, string(b)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// beginUpload begins a tus upload as user and returns its id.
func beginUpload(t *testing.T, s *apptest.Server, user, password string) string {
	t.Helper()
	resp, body := s.Do(user, password, "POST", upload.Prefix, nil, "Tus-Resumable", "1.0.0", "Upload-Length", "10",
		"Upload-Metadata", "folder "+b64("Public")+",filename "+b64(user+".txt"))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 201 || !strings.Contains(loc, upload.Prefix+"/") {
		t.Fatalf("begin an upload as %s: %d %s %q", user, resp.StatusCode, body, loc)
	}
	return loc[strings.LastIndex(loc, "/")+1:]
}
