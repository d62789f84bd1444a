package dav_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestLitmus runs every litmus suite against the drive over HTTPS and fails on any
// failed test or warning. litmus skips expect100 over TLS; that skip is the only one
// allowed.
func TestLitmus(t *testing.T) {
	litmus := testenv.NeedTool(t, "litmus")
	s := apptest.Start(t)
	s.AddUser("dad", "correct horse", true)
	dir := t.TempDir()
	cmd := exec.Command(litmus, "-k", s.URL+"/dav/dad/", "dad", "correct horse")
	cmd.Dir = dir // litmus writes debug.log where it runs
	cmd.Env = append(os.Environ(), "TESTS=basic copymove props locks http")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("litmus: %v", err)
	}
	sum := regexp.MustCompile(`summary for .(\w+).: of (\d+) tests run: (\d+) passed, (\d+) failed`)
	suites, passed, run := 0, 0, 0
	for _, m := range sum.FindAllStringSubmatch(string(out), -1) {
		n, _ := strconv.Atoi(m[2])
		p, _ := strconv.Atoi(m[3])
		suites, run, passed = suites+1, run+n, passed+p
		if m[4] != "0" {
			t.Errorf("litmus %s: %s of %s failed", m[1], m[4], m[2])
		}
	}
	if suites != 5 {
		t.Errorf("litmus ran %d suites, want 5", suites)
	}
	if strings.Contains(string(out), "WARNING") {
		t.Errorf("litmus warned")
	}
	skips := strings.Count(string(out), "SKIPPED")
	if skips != 1 || !strings.Contains(string(out), "expect100............. SKIPPED (skipping for SSL server)") {
		t.Errorf("litmus skipped %d tests, want only expect100", skips)
	}
	t.Logf("litmus: %d of %d passed in 5 suites", passed, run)
	if t.Failed() {
		t.Logf("litmus output:\n%s", out)
	}
}

// TestRclone copies a tree up and down with rclone and checks both ways.
func TestRclone(t *testing.T) {
	rclone := testenv.NeedTool(t, "rclone")
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	base := rcloneFlags(t, rclone, s, "mum", "correct horse")
	src := t.TempDir()
	files := map[string][]byte{
		"a.txt":                   []byte("hello"),
		"empty":                   nil,
		"photos/2024/beach.jpg":   random(t, 300<<10),
		"photos/2024/ünïcödé ✓":   random(t, 10),
		"docs/deep/er/notes.md":   []byte("# notes\n"),
		"docs/space name/x y.z":   random(t, 4<<20+17),
		"docs/percent%20sign.txt": []byte("literally %20"),
	}
	for name, b := range files {
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(rclone, append(args, append(base, "-q")...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rclone %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("copy", src, ":webdav:Pictures/upload")
	run("check", src, ":webdav:Pictures/upload")
	back := t.TempDir()
	run("copy", ":webdav:Pictures/upload", back)
	run("check", back, ":webdav:Pictures/upload")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(back, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s came back different (%v)", name, err)
		}
	}
	// The bytes really are in the pool, as plain files on the drive.
	fi, err := s.App.Pool.Stat(context.Background(), "Pictures/upload/docs/space name/x y.z")
	if err != nil || fi.Size != int64(len(files["docs/space name/x y.z"])) {
		t.Errorf("pool has %+v, %v", fi, err)
	}
}

// rcloneFlags are the flags that point rclone at the server's drive as user.
func rcloneFlags(t *testing.T, rclone string, s *apptest.Server, user, password string) []string {
	t.Helper()
	obscured, err := exec.Command(rclone, "obscure", password).Output()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"--config", "/dev/null", "--ca-cert", s.CAFile, "--webdav-url", s.URL + "/dav/", "--webdav-vendor", "other",
		"--webdav-user", user, "--webdav-pass", strings.TrimSpace(string(obscured))}
}

func random(t *testing.T, n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestCadaver drives cadaver, a command-line WebDAV client, through a session.
func TestCadaver(t *testing.T) {
	cadaver := testenv.NeedTool(t, "cadaver")
	script := testenv.NeedTool(t, "script") // cadaver asks about the certificate only on a terminal
	s := apptest.Start(t)
	s.AddUser("dad", "correct-horse", true)
	home := t.TempDir()
	host := strings.TrimPrefix(s.URL, "https://")
	hostname, _, _ := strings.Cut(host, ":")
	os.WriteFile(filepath.Join(home, ".netrc"), []byte(fmt.Sprintf("machine %s login dad password correct-horse\n", hostname)), 0o600)
	local := filepath.Join(home, "letter.txt")
	os.WriteFile(local, []byte("Dear Grandma,\n"), 0o644)
	commands := strings.Join([]string{
		"y", // accept the server's certificate (cadaver asks; it does not read the CA)
		"cd Documents",
		"mkcol letters",
		"put " + local + " letters/letter.txt",
		"ls letters",
		"propset letters/letter.txt color blue",
		"propget letters/letter.txt color",
		"copy letters/letter.txt letters/copy.txt",
		"move letters/copy.txt letters/moved.txt",
		"lock letters/moved.txt",
		"unlock letters/moved.txt",
		"get letters/moved.txt " + filepath.Join(home, "back.txt"),
		"rm letters/letter.txt",
		"ls letters",
		"quit",
	}, "\n") + "\n"
	cmd := exec.Command(script, "-qec", cadaver+" "+s.URL+"/dav/", "/dev/null")
	cmd.Env = append(os.Environ(), "HOME="+home)
	cmd.Stdin = strings.NewReader(commands)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cadaver: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Creating `letters': succeeded", "Uploading", "letter.txt", "Value of color is: blue",
		"Copying `/dav/Documents/letters/letter.txt' to", "Moving `/dav/Documents/letters/copy.txt' to", "Locking `letters/moved.txt': succeeded",
		"Unlocking `letters/moved.txt': succeeded", "Deleting `letters/letter.txt': succeeded"} {
		if !strings.Contains(text, want) {
			t.Errorf("cadaver did not say %q", want)
		}
	}
	if strings.Contains(text, "failed") || !strings.Contains(text, "moved.txt                             14") {
		t.Errorf("something failed")
	}
	if b, err := os.ReadFile(filepath.Join(home, "back.txt")); err != nil || string(b) != "Dear Grandma,\n" {
		t.Errorf("downloaded %q, %v", b, err)
	}
	if t.Failed() {
		t.Logf("cadaver said:\n%s", text)
	}
}
