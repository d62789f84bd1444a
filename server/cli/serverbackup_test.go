package cli

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/plainwords"
)

// An administrator makes a server backup to a folder and an encrypted one, runs them
// against the daemon, lists and removes them, as typed; every line said is plain.
func TestServerBackupCommands(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state, "-drive", filepath.Join(dir, "disk"))
	defer stop()
	var said []string
	run := func(input string, args ...string) string {
		t.Helper()
		out, code := hearthdWithInput(t, state, input, args...)
		if code != 0 {
			t.Fatalf("hearthd %s: exit %d\n%s", strings.Join(args, " "), code, out)
		}
		said = append(said, out)
		return out
	}
	run("correct horse\n", "setup", "-name", "dad")
	run("kids password\n", "user", "add", "kid")
	run("", "share", "add", "Photos", "-access", "kid=read")
	kidSaw, _ := sharesSeen(t, state, "kid", "kids password")
	if !slices.Contains(kidSaw, "Photos") {
		t.Fatalf("kid does not see Photos on the first server: %v", kidSaw)
	}
	local := filepath.Join(dir, "pic.jpg")
	os.WriteFile(local, bytes.Repeat([]byte("photo"), 100000), 0o644)
	run("", "file", "put", local, "Photos/pic.jpg")

	usb := filepath.Join(dir, "usb")
	os.Mkdir(usb, 0o755)
	if out := run("", "serverbackup", "add", "USB disk", "-shares", "Photos", "-to", usb, "-daily", "03:00"); !strings.Contains(out, "Server backup USB disk made: Photos to "+usb) {
		t.Errorf("add says:\n%s", out)
	}
	if out := run("", "serverbackup", "run", "USB disk"); !strings.Contains(out, "backed up 1 file") {
		t.Errorf("run says:\n%s", out)
	}
	if entries, _ := os.ReadDir(filepath.Join(usb, "snapshots")); len(entries) != 1 {
		t.Errorf("the drive holds %d backups after a run, want 1", len(entries))
	}

	sealed := filepath.Join(dir, "sealed")
	os.Mkdir(sealed, 0o755)
	out := run("our family passphrase\n", "serverbackup", "add", "Sealed", "-shares", "Photos", "-to", sealed, "-encrypt")
	if !regexp.MustCompile(`(?m)^    [A-Z2-7]{5}(-[A-Z2-7]{1,5}){10}$`).MatchString(out) || !strings.Contains(out, "shown only now") {
		t.Errorf("an encrypted add does not show the recovery key:\n%s", out)
	}
	run("", "serverbackup", "run", "Sealed")
	if out := run("", "serverbackup", "check", "Sealed", "-read-data"); !strings.Contains(out, "Nothing is wrong") || !strings.Contains(out, "read back") {
		t.Errorf("check -read-data says:\n%s", out)
	}
	// A pack damaged on the drive is found by reading the data back.
	packs, _ := filepath.Glob(filepath.Join(usb, "packs", "*", "*"))
	if len(packs) == 0 {
		t.Fatal("no packs on the drive")
	}
	data, _ := os.ReadFile(packs[0])
	data[len(data)/3] ^= 1
	os.WriteFile(packs[0], data, 0o644)
	out, code := hearthd(t, state, "serverbackup", "check", "USB disk", "-read-data")
	said = append(said, out)
	if code == 0 || !strings.Contains(out, "is damaged") {
		t.Errorf("check -read-data of a damaged pack: exit %d\n%s", code, out)
	}
	list := run("", "serverbackup", "list")
	for _, want := range []string{"USB disk", "Sealed", "yes", "1 file", "daily at 03:00", "when asked"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	if strings.Contains(list, "passphrase") {
		t.Errorf("list shows the passphrase:\n%s", list)
	}
	run("", "serverbackup", "remove", "USB disk")
	if out := run("", "serverbackup", "list"); strings.Contains(out, "USB disk") {
		t.Errorf("a removed backup is still listed:\n%s", out)
	}

	// A new server, with its own state and an empty drive, restores the family's
	// files from the encrypted drive alone: the job made again with the passphrase
	// finds the backup there.
	state2 := filepath.Join(dir, "state2")
	stop2 := startDaemon(t, state2, "-drive", filepath.Join(dir, "disk2"))
	defer stop2()
	if out, code := hearthdWithInput(t, state2, "not our passphrase\n", "serverbackup", "add", "Sealed", "-shares", "Photos", "-to", sealed, "-encrypt"); code == 0 || !strings.Contains(out, "not the passphrase of this backup") {
		t.Errorf("a wrong passphrase on the new server: exit %d\n%s", code, out)
	} else {
		said = append(said, out)
	}
	out = run2(t, state2, "our family passphrase\n", &said, "serverbackup", "add", "Sealed", "-shares", "Photos", "-to", sealed, "-encrypt")
	if strings.Contains(out, "shown only now") {
		t.Errorf("a job made again on an existing backup shows a new recovery key:\n%s", out)
	}
	if out := run2(t, state2, "", &said, "serverbackup", "restore", "Sealed", "-config"); !strings.Contains(out, "Restored 1 file") ||
		!strings.Contains(out, "into Photos") || !strings.Contains(out, "old password") {
		t.Errorf("restore on the new server says:\n%s", out)
	}
	// The family signs in to the new server with their old passwords and sees what
	// they saw.
	if got, code := sharesSeen(t, state2, "kid", "kids password"); !slices.Equal(got, kidSaw) {
		t.Errorf("kid on the new server: %d, sees %v; on the old one %v", code, got, kidSaw)
	}
	if _, code := sharesSeen(t, state2, "kid", "a wrong password"); code != http.StatusUnauthorized {
		t.Errorf("a wrong password on the new server: %d", code)
	}
	if out := run2(t, state2, "", &said, "user", "list"); !strings.Contains(out, "dad") || !strings.Contains(out, "administrator") {
		t.Errorf("the new server's users:\n%s", out)
	}
	// Never over a family: the users come back only onto a server without any.
	if out, code := hearthd(t, state2, "serverbackup", "restore", "Sealed", "-config"); code == 0 || !strings.Contains(out, "has users already") {
		t.Errorf("restoring the users again: exit %d\n%s", code, out)
	} else {
		said = append(said, out)
	}
	back := filepath.Join(dir, "back.jpg")
	run2(t, state2, "", &said, "file", "get", "Photos/pic.jpg", back)
	if got, _ := os.ReadFile(back); !bytes.Equal(got, bytes.Repeat([]byte("photo"), 100000)) {
		t.Error("the file restored on the new server differs")
	}
	// One file alone comes back beside the family's copy, never over it.
	out = run2(t, state2, "", &said, "serverbackup", "restore", "Sealed", "-path", "Photos/pic.jpg")
	place := regexp.MustCompile(`into (Photos/Restored [^,\n]+/pic\.jpg)\.`).FindStringSubmatch(out)
	if !strings.Contains(out, "Restored 1 file") || place == nil {
		t.Fatalf("restore -path says:\n%s", out)
	}
	os.Remove(back)
	run2(t, state2, "", &said, "file", "get", place[1], back)
	if got, _ := os.ReadFile(back); !bytes.Equal(got, bytes.Repeat([]byte("photo"), 100000)) {
		t.Error("the file restored alone differs")
	}

	// Refusals, in words.
	refusals := []struct {
		args []string
		want string
	}{
		{[]string{"serverbackup", "run", "USB disk"}, "no server backup of that name"},
		{[]string{"serverbackup", "restore", "Sealed", "-path", "Photos/not there.jpg"}, "no file or folder at that path"},
		{[]string{"serverbackup", "add", "Gone", "-shares", "Photos", "-to", filepath.Join(dir, "unplugged")}, "is the drive plugged in?"},
		{[]string{"serverbackup", "add", "OnPool", "-shares", "Photos", "-to", filepath.Join(dir, "disk")}, "on one of the pool's drives"},
		{[]string{"serverbackup", "add", "Sealed", "-shares", "Photos", "-to", usb}, "of that name already"},
	}
	for _, r := range refusals {
		out, code := hearthd(t, state, r.args...)
		said = append(said, out)
		if code == 0 || !strings.Contains(out, r.want) {
			t.Errorf("hearthd %s: exit %d, want a refusal saying %q:\n%s", strings.Join(r.args, " "), code, r.want, out)
		}
	}
	for _, s := range said {
		if bad := plainwords.Find(s); len(bad) > 0 {
			t.Errorf("not plain words %v in:\n%s", bad, s)
		}
	}
}

func run2(t *testing.T, state, input string, said *[]string, args ...string) string {
	t.Helper()
	out, code := hearthdWithInput(t, state, input, args...)
	if code != 0 {
		t.Fatalf("hearthd %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	*said = append(*said, out)
	return out
}

// A job's own retention rule, set when it is made, is what lets its backups go after
// each run: kept to the last one, a second run lets the first go; a job beside it on
// the default rule keeps both. list shows each job's rule.
func TestServerBackupKeepRule(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state, "-drive", filepath.Join(dir, "disk"))
	defer stop()
	var said []string
	run2(t, state, "correct horse\n", &said, "setup", "-name", "dad")
	run2(t, state, "", &said, "share", "add", "Photos")
	local := filepath.Join(dir, "pic.jpg")
	os.WriteFile(local, []byte("a photo"), 0o644)
	run2(t, state, "", &said, "file", "put", local, "Photos/pic.jpg")
	jobs := []struct {
		name  string
		flags []string
		list  string
		kept  int
	}{
		{"Only last", []string{"-keep-last", "1", "-keep-daily", "0", "-keep-weekly", "0", "-keep-monthly", "0"}, "last 1, 0 daily, 0 weekly, 0 monthly", 1},
		{"Last two", []string{"-keep-last", "2", "-keep-daily", "0"}, "last 2, 0 daily, 52 weekly, 36 monthly", 2},
		{"Default", nil, "last 3, 31 daily, 52 weekly, 36 monthly", 3},
	}
	for i, j := range jobs {
		to := filepath.Join(dir, "usb", j.name)
		os.MkdirAll(to, 0o755)
		run2(t, state, "", &said, append([]string{"serverbackup", "add", j.name, "-shares", "Photos", "-to", to}, j.flags...)...)
		for n := range 3 {
			// A change each time: every run a backup of its own.
			os.WriteFile(local, []byte(strings.Repeat("a photo ", i*10+n+2)), 0o644)
			run2(t, state, "", &said, "file", "put", local, "Photos/pic.jpg")
			out := run2(t, state, "", &said, "serverbackup", "run", j.name)
			if let := n+1 > j.kept; let != strings.Contains(out, "1 older backup let go") {
				t.Errorf("%s, run %d says:\n%s", j.name, n+1, out)
			}
		}
		if entries, _ := os.ReadDir(filepath.Join(to, "snapshots")); len(entries) != j.kept {
			t.Errorf("%s: the drive holds %d backups after 3 runs, want %d", j.name, len(entries), j.kept)
		}
	}
	list := run2(t, state, "", &said, "serverbackup", "list")
	for _, j := range jobs {
		if !regexp.MustCompile(`(?m)^` + j.name + `\s.*` + j.list).MatchString(list) {
			t.Errorf("list does not show %s keeping %q:\n%s", j.name, j.list, list)
		}
	}
	if out, code := hearthd(t, state, "serverbackup", "add", "Too many", "-shares", "Photos", "-to", dir, "-keep-last", "5000"); code == 0 || !strings.Contains(out, "keep between 0 and 1000") {
		t.Errorf("a rule keeping 5000: exit %d\n%s", code, out)
	} else {
		said = append(said, out)
	}
	for _, s := range said {
		if bad := plainwords.Find(s); len(bad) > 0 {
			t.Errorf("not plain words %v in:\n%s", bad, s)
		}
	}
}
