package backupclient_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool"
)

// asDevice sends one request signed in with a PC's device token, as its connector does.
func asDevice(s *apptest.Server, cfg connector.Config, method, path, body string) (*http.Response, string) {
	s.T.Helper()
	return s.Do("", "", method, path, apptest.Body(body), "Authorization", "Bearer "+cfg.Token, "Content-Type", "application/json")
}

// TestDeviceTokenActsOnlyForItsPC replays the attack of issue 17: alice's laptop, with
// its own device token (stolen, or the laptop infected), set the desktop's retention to
// 0/0/0 and stored an empty backup under the desktop's name, so the nightly cleanup left
// the desktop with only the empty backup. Each step is refused with 403 and the
// desktop's backups are intact after the cleanup. A token may keep more of its own PC's
// backups but not fewer; alice's password may keep fewer.
func TestDeviceTokenActsOnlyForItsPC(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("alice", pw, false)
	desktopCfg := join(t, s, "alice", "alice-desktop")
	laptopCfg := join(t, s, "alice", "alice-laptop")
	desktop, err := backupclient.New(desktopCfg)
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(t.TempDir(), "alice")
	makeTree(t, home, 3)
	var ids []string
	for i := range 2 {
		if err := os.WriteFile(filepath.Join(home, "diary.txt"), random(uint64(100+i), 5000), 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := desktop.Backup(ctx, backupclient.Options{Paths: []string{home}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, snap.ID)
	}

	// The laptop's token against the desktop's backups, call by call.
	desk := "/api/v1/backup/pcs/alice-desktop"
	for _, c := range []struct{ method, path, body string }{
		{"PUT", desk + "/keep", `{"last": 0, "daily": 0, "weekly": 0, "monthly": 0}`},
		{"POST", desk + "/sessions", `{}`},
		{"GET", desk + "/snapshots", ""},
		{"GET", desk + "/snapshots/" + ids[0], ""},
		{"PUT", desk + "/snapshots/" + ids[0] + "/pin", ""},
		{"DELETE", desk + "/snapshots/" + ids[0] + "/pin", ""},
		{"GET", desk + "/blobs/" + ids[0], ""},
	} {
		resp, body := asDevice(s, laptopCfg, c.method, c.path, c.body)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `only its own backups`) {
			t.Errorf("laptop token: %s %s: %d %s; want 403 saying a PC acts only for itself", c.method, c.path, resp.StatusCode, body)
		}
	}
	// The real connector, told the desktop's name, with the laptop's token.
	evil := laptopCfg
	evil.DeviceName = "alice-desktop"
	ec, err := backupclient.New(evil)
	if err != nil {
		t.Fatal(err)
	}
	var se *backupclient.StatusError
	if _, err := ec.Backup(ctx, backupclient.Options{Paths: []string{t.TempDir()}}); !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("an empty backup under the desktop's name with the laptop's token: %v; want 403", err)
	}
	if _, err := ec.Restore(ctx, ids[0], "", t.TempDir(), restorer.Options{}); !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("restoring the desktop's backup with the laptop's token: %v; want 403", err)
	}
	// The laptop sees neither the desktop in the list of PCs nor its backups in the drive.
	if resp, body := asDevice(s, laptopCfg, "GET", "/api/v1/backup/pcs", ""); resp.StatusCode != 200 || strings.Contains(body, "alice-desktop") {
		t.Errorf("laptop token: list of PCs: %d %s; want the desktop left out", resp.StatusCode, body)
	}
	if resp, _ := s.Do("alice", laptopCfg.Token, "PROPFIND", "/dav/Backups/alice-desktop/", nil, "Depth", "1"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("laptop token: the desktop's backups in the drive: %d; want 404", resp.StatusCode)
	}

	// The nightly cleanup finds the desktop's backups and rule as they were.
	if _, err := s.Admin().BackupGC(ctx); err != nil {
		t.Fatal(err)
	}
	snaps, err := desktop.Snapshots(ctx)
	if err != nil || len(snaps) != 2 || snaps[0].ID != ids[0] || snaps[1].ID != ids[1] {
		t.Fatalf("the desktop's backups after the attack and the cleanup: %+v, %v; want both", snaps, err)
	}
	if _, err := desktop.Restore(ctx, ids[0], "", t.TempDir(), restorer.Options{}); err != nil {
		t.Errorf("restore the desktop's first backup: %v", err)
	}

	// Its own token may keep more of the desktop's backups, not fewer.
	keep := func(how func(method, path, body string) (*http.Response, string), last int) (int, string) {
		resp, body := how("PUT", desk+"/keep", `{"last": `+itoa(last)+`, "daily": 3, "weekly": 3, "monthly": 3}`)
		return resp.StatusCode, body
	}
	byToken := func(method, path, body string) (*http.Response, string) {
		return asDevice(s, desktopCfg, method, path, body)
	}
	byPassword := func(method, path, body string) (*http.Response, string) {
		return s.Do("alice", pw, method, path, apptest.Body(body), "Content-Type", "application/json")
	}
	if code, body := keep(byToken, 10); code != 200 {
		t.Errorf("the desktop's token keeps more (last 10): %d %s", code, body)
	}
	if code, body := keep(byToken, 2); code != http.StatusForbidden || !strings.Contains(body, "password") {
		t.Errorf("the desktop's token keeps fewer (last 2): %d %s; want 403 asking for the password", code, body)
	}
	if code, body := keep(byPassword, 1); code != 200 {
		t.Errorf("alice's password keeps fewer (last 1): %d %s", code, body)
	}
	var pcs []struct {
		Name string
		Keep struct{ Last int }
	}
	_, body := byPassword("GET", "/api/v1/backup/pcs", "")
	if err := json.Unmarshal([]byte(body), &pcs); err != nil || len(pcs) != 1 || pcs[0].Keep.Last != 1 {
		t.Errorf("alice's PCs: %s; want the desktop keeping the last 1", body)
	}

	// Nor may the laptop cut the desktop off by removing it; each PC may leave itself.
	if resp, body := asDevice(s, laptopCfg, "DELETE", "/api/v1/devices/"+desktopCfg.DeviceID, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the laptop's token removes the desktop: %d %s; want 403", resp.StatusCode, body)
	}
	if err := laptopCfg.Leave(ctx); err != nil {
		t.Errorf("the laptop leaves: %v", err)
	}
	if _, err := desktop.Snapshots(ctx); err != nil {
		t.Errorf("the desktop after the laptop left: %v", err)
	}
}

// TestPCNameBelongsToFirstUser: a PC name is unique without case and belongs to the
// user who joined with it first: bob can neither join nor back up as "Alice-Laptop"
// next to alice's alice-laptop, before or after it backed up; alice cannot make a second
// PC spelled otherwise.
func TestPCNameBelongsToFirstUser(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("alice", pw, false)
	s.AddUser("bob", pw, false)
	laptop := joined(t, s, "alice", "alice-laptop")
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	tryJoin := func(user, name, want string) {
		t.Helper()
		_, err := connector.Join(ctx, id, user, pw, name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s joins as %q: %v; want it refused: %q", user, name, err, want)
		}
	}
	begin := func(user, name string) (int, string) {
		resp, body := s.Do(user, pw, "POST", "/api/v1/backup/pcs/"+name+"/sessions", apptest.Body("{}"), "Content-Type", "application/json")
		return resp.StatusCode, body
	}
	// Joined, not yet backed up: the name is alice's already.
	tryJoin("bob", "Alice-Laptop", "belongs to another person")
	tryJoin("alice", "ALICE-LAPTOP", "You already have a PC called \"alice-laptop\"")
	if code, body := begin("bob", "Alice-Laptop"); code != http.StatusConflict {
		t.Errorf("bob backs up as Alice-Laptop with his password: %d %s; want 409", code, body)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("alice's"), 0o644)
	if _, err := laptop.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	// Backed up: the store refuses the name too.
	tryJoin("bob", "alice-LAPTOP", "belongs to another person")
	tryJoin("bob", "alice-laptop", "belongs to another person")
	for _, name := range []string{"Alice-Laptop", "alice-laptop"} {
		if code, body := begin("bob", name); code != http.StatusConflict && code != http.StatusForbidden {
			t.Errorf("bob backs up as %s after alice did: %d %s; want it refused", name, code, body)
		}
	}
	// alice's PC itself still backs up, and joining again under its exact name works.
	if _, err := laptop.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Errorf("alice-laptop backs up again: %v", err)
	}
	join(t, s, "alice", "alice-laptop")
	pcs, err := s.Admin().BackupPCs(ctx)
	if err != nil || len(pcs) != 1 || pcs[0].Name != "alice-laptop" || pcs[0].Owner != "alice" {
		t.Errorf("PCs: %+v, %v; want alice-laptop alone", pcs, err)
	}
}

// TestPCNameOwnerOutranksLeftoverToken: a token bob made before names were checked,
// joined as "Alice-Laptop", is left over next to alice's alice-laptop, which backs up
// here. The name is the backups' owner's: alice joins her laptop again under its exact
// name; bob cannot take it in any spelling; alice's own other spelling is refused,
// naming hers, whether she joins or backs up with it.
func TestPCNameOwnerOutranksLeftoverToken(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("alice", pw, false)
	s.AddUser("bob", pw, false)
	laptop := joined(t, s, "alice", "alice-laptop")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("alice's"), 0o644)
	if _, err := laptop.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	// The leftover, as an older server let it in and catalog step 7 bound it.
	s.Stop()
	cat, err := catalog.Open(ctx, paths.Catalog(s.State))
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("bob's old token"))
	err = cat.Update(ctx, func(tx *catalog.Tx) error {
		return tx.AddToken(ctx, catalog.Token{ID: "leftover", User: "bob", Digest: digest[:], Label: "Alice-Laptop", Created: time.Unix(1, 0), PC: "Alice-Laptop"})
	})
	cat.Close()
	if err != nil {
		t.Fatal(err)
	}
	s.Restart()

	laptop = joined(t, s, "alice", "alice-laptop") // was refused: "belongs to another person"
	if _, err := laptop.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Errorf("alice-laptop backs up: %v", err)
	}
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ user, name, want string }{
		{"bob", "alice-laptop", "belongs to another person"},
		{"bob", "Alice-Laptop", "belongs to another person"},
		{"alice", "ALICE-LAPTOP", `You already have a PC called "alice-laptop"`},
	} {
		if _, err := connector.Join(ctx, id, c.user, pw, c.name); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s joins as %q: %v; want it refused: %q", c.user, c.name, err, c.want)
		}
		resp, body := s.Do(c.user, pw, "POST", "/api/v1/backup/pcs/"+c.name+"/sessions", apptest.Body("{}"), "Content-Type", "application/json")
		if c.user == "alice" && (resp.StatusCode != http.StatusConflict || !strings.Contains(body, "You already have a PC called")) {
			t.Errorf("alice backs up as %q: %d %s; want 409 naming alice-laptop", c.name, resp.StatusCode, body)
		}
		if c.user == "bob" && resp.StatusCode != http.StatusConflict && resp.StatusCode != http.StatusForbidden {
			t.Errorf("bob backs up as %q: %d %s; want it refused", c.name, resp.StatusCode, body)
		}
	}
	pcs, err := s.Admin().BackupPCs(ctx)
	if err != nil || len(pcs) != 1 || pcs[0].Name != "alice-laptop" || pcs[0].Owner != "alice" {
		t.Errorf("PCs: %+v, %v; want alice-laptop alone", pcs, err)
	}
}

// TestTokenCannotUnpin: unpinning lets a backup go at the next cleanup, so like keeping
// fewer it needs the owner's password: a PC's token may keep (pin) its backups, not let
// a kept one go, not even one just brought back from the deleted ones.
func TestTokenCannotUnpin(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("alice", pw, false)
	cfg := join(t, s, "alice", "alice-desktop")
	desktop, err := backupclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("tax return"), 0o644)
	snap, err := desktop.Backup(ctx, backupclient.Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	pin := "/api/v1/backup/pcs/alice-desktop/snapshots/" + snap.ID + "/pin"
	pinned := func() bool {
		pcs, err := s.Admin().BackupPCs(ctx)
		if err != nil || len(pcs) != 1 {
			t.Fatalf("PCs: %+v, %v", pcs, err)
		}
		return len(pcs[0].Pinned) == 1
	}
	if resp, body := asDevice(s, cfg, "PUT", pin, ""); resp.StatusCode != http.StatusNoContent || !pinned() {
		t.Errorf("the desktop's token pins its backup: %d %s", resp.StatusCode, body)
	}
	if resp, body := asDevice(s, cfg, "DELETE", pin, ""); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "password") || !pinned() {
		t.Errorf("the desktop's token unpins its backup: %d %s; want 403 asking for the password, still pinned", resp.StatusCode, body)
	}
	// Deleted by mistake and brought back (which pins it): the token still cannot let it go.
	if _, err := s.Admin().BackupDelete(ctx, "alice-desktop", snap.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Admin().BackupUndelete(ctx, "alice-desktop", snap.ID); err != nil {
		t.Fatal(err)
	}
	if resp, body := asDevice(s, cfg, "DELETE", pin, ""); resp.StatusCode != http.StatusForbidden || !pinned() {
		t.Errorf("the desktop's token unpins a backup brought back: %d %s; want 403, still pinned", resp.StatusCode, body)
	}
	if resp, body := s.Do("alice", pw, "DELETE", pin, nil); resp.StatusCode != http.StatusNoContent || pinned() {
		t.Errorf("alice's password unpins: %d %s", resp.StatusCode, body)
	}
}

// TestBeginReportsABrokenPCRecord: when the server cannot read what it knows of a PC
// (its record is damaged) a backup is refused with 500 in plain words, not let on to
// claim the name past the check nor answered with the reader's error; so is a look at
// the PC's backups.
func TestBeginReportsABrokenPCRecord(t *testing.T) {
	ctx := context.Background()
	s, ann := annsPC(t, "ann-laptop")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.txt"), []byte("ann's"), 0o644)
	if _, err := ann.Backup(ctx, backupclient.Options{Paths: []string{dir}}); err != nil {
		t.Fatal(err)
	}
	junk := "{not json"
	if _, err := s.App.Pool.Mkdir(ctx, "Backups/pcs/ann-desktop", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Pool.WriteFile(ctx, "Backups/pcs/ann-desktop/pc.json", strings.NewReader(junk), pool.WriteOptions{Size: int64(len(junk))}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path string }{
		{"POST", "/api/v1/backup/pcs/ann-desktop/sessions"},
		{"GET", "/api/v1/backup/pcs/ann-desktop/snapshots"},
	} {
		resp, body := s.Do("ann", pw, c.method, c.path, apptest.Body("{}"), "Content-Type", "application/json")
		if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "could not") || strings.Contains(body, "invalid") || strings.Contains(body, "pc.json") {
			t.Errorf("%s %s of a PC whose record is damaged: %d %s; want 500 in plain words", c.method, c.path, resp.StatusCode, body)
		}
	}
}
