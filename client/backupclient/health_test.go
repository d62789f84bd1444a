package backupclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// healthWatch follows the server's health stream, as the tray and the console do, and
// keeps the last health it heard.
type healthWatch struct {
	mu   sync.Mutex
	last *schema.Health
}

func watchHealth(t *testing.T, cfg connector.Config) *healthWatch {
	t.Helper()
	w := &healthWatch{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := cfg.WatchHealth(ctx, func(h schema.Health) {
			w.mu.Lock()
			w.last = &h
			w.mu.Unlock()
		})
		if err != nil {
			t.Errorf("the health stream broke: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return w
}

// lastBackup is pc's last backup in h ("" when it has none, or is not listed).
func lastBackup(h *schema.Health, pc string) string {
	for _, p := range h.PCs {
		if p.Name == pc && p.LastBackup != nil {
			return p.LastBackup.UTC().Format(time.RFC3339Nano)
		}
	}
	return ""
}

// until waits for the stream to say pc's last backup is want ("" none). The deadline
// only keeps a broken server from hanging the test: without news the stream says
// nothing until the health check an hour away.
func (w *healthWatch) until(t *testing.T, what, pc, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.mu.Lock()
		h := w.last
		w.mu.Unlock()
		if h != nil && lastBackup(h, pc) == want {
			return
		}
		if time.Now().After(deadline) {
			got := "nothing yet"
			if h != nil {
				got = lastBackup(h, pc)
			}
			t.Fatalf("%s: the health stream never said the last backup is %q; it says %q", what, want, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stamp(s schema.Snapshot) string { return s.Time.UTC().Format(time.RFC3339Nano) }

// TestHealthLearnsBackupsAtOnce: the health stream, which the tray and the console follow,
// says a PC's last backup as soon as it is stored, deleted or brought back, not at the
// server's next full health check (an hour away here): right after its first backup a
// PC is not "never backed up", and a deleted backup is not its last one.
func TestHealthLearnsBackupsAtOnce(t *testing.T) {
	ctx := context.Background()
	const pc = "Anns-Laptop"
	s := apptest.Start(t, func(o *app.Options) { o.HealthEvery = time.Hour })
	s.AddUser("ann", pw, false)
	s.AddUser("dad", pw, true)
	cfg := join(t, s, "ann", pc)
	ann, err := backupclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "ann")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	w := watchHealth(t, cfg)
	w.until(t, "before any backup", pc, "")

	backUp := func(letter string) schema.Snapshot {
		t.Helper()
		if err := os.WriteFile(filepath.Join(home, "letter.txt"), []byte(letter), 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := ann.Backup(ctx, backupclient.Options{Paths: []string{home}})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	first := backUp("Dear Grandma,")
	w.until(t, "the first backup", pc, stamp(first))
	second := backUp("Dear Grandma, again")
	w.until(t, "the second backup", pc, stamp(second))

	snapPath := func(s schema.Snapshot) string {
		return "/api/v1/backup/pcs/" + url.PathEscape(pc) + "/snapshots/" + s.ID
	}
	call := func(user, method, path string) {
		t.Helper()
		if resp, body := s.Do(user, pw, method, path, nil); resp.StatusCode >= 300 {
			t.Fatalf("%s %s as %s: %s %s", method, path, user, resp.Status, body)
		}
	}
	for _, step := range []struct {
		what string
		do   func()
		want string // the last backup after it ("" none)
	}{
		{"an administrator deletes the newest backup", func() {
			if _, err := s.Admin().BackupDelete(ctx, pc, second.ID); err != nil {
				t.Fatal(err)
			}
		}, stamp(first)},
		{"ann brings it back", func() { call("ann", "POST", snapPath(second)+"/undelete") }, stamp(second)},
		{"ann deletes it", func() { call("ann", "DELETE", snapPath(second)) }, stamp(first)},
		{"ann deletes the only one left", func() { call("ann", "DELETE", snapPath(first)) }, ""},
		{"a pin brings the first back", func() { call("ann", "PUT", snapPath(first)+"/pin") }, stamp(first)},
	} {
		step.do()
		// The answer to whoever changed the backups comes after the health learnt it.
		resp, body := s.Do("ann", pw, "GET", "/api/v1/health", nil)
		var h schema.Health
		if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &h) != nil {
			t.Fatalf("GET /api/v1/health: %s %s", resp.Status, body)
		}
		if got := lastBackup(&h, pc); got != step.want {
			t.Errorf("%s: the health says the last backup is %q, want %q", step.what, got, step.want)
		}
		w.until(t, step.what, pc, step.want)
	}
}
