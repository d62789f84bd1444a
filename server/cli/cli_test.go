package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/paths"
)

// hearthd runs one command the way a person types it and returns its output.
func hearthd(t *testing.T, state string, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := Main(context.Background(), append([]string{"-state", state}, args...), &out, &out)
	return out.String(), code
}

func mustRun(t *testing.T, state string, args ...string) string {
	t.Helper()
	out, code := hearthd(t, state, args...)
	if code != 0 {
		t.Fatalf("hearthd %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// startDaemon runs "hearthd run" (with more flags, if given) until the test ends and
// waits for its socket.
func startDaemon(t *testing.T, state string, flags ...string) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	var log bytes.Buffer
	args := append([]string{"-state", state, "run", "-listen", "127.0.0.1:0", "-http", "off", "-announce=false", "-media", "127.0.0.1:0"}, flags...)
	go func() {
		done <- Main(ctx, args, &log, &log)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(paths.Socket(state)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not start:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop := func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("the daemon exited %d:\n%s", code, log.String())
		}
	}
	return stop
}

func TestCommandsAgainstDaemon(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state)
	// The package's install script shows this, so the family can make the first admin.
	if out := mustRun(t, state, "status"); !regexp.MustCompile(`Setup +no administrator yet: open https://[^ ]+/setup\?token=[A-Z2-7]{26} `).MatchString(out) {
		t.Errorf("status before setup shows no setup link:\n%s", out)
	}
	disk := filepath.Join(dir, "disk2")
	os.Mkdir(disk, 0o755)
	mustRun(t, state, "drive", "add", disk, "--label", "Second")
	if out := mustRun(t, state, "drive", "list"); !strings.Contains(out, "Drive 1") || !strings.Contains(out, "Second") {
		t.Errorf("drive list:\n%s", out)
	}
	mustRun(t, state, "share", "add", "Photos")
	if out := mustRun(t, state, "share", "list"); !strings.Contains(out, "2 copies (automatic)") {
		t.Errorf("share list:\n%s", out)
	}
	local := filepath.Join(dir, "pic.jpg")
	os.WriteFile(local, bytes.Repeat([]byte("photo"), 100000), 0o644)
	mustRun(t, state, "file", "mkdir", "Photos/2024")
	mustRun(t, state, "file", "put", local, "Photos/2024/pic.jpg")
	mustRun(t, state, "file", "put", local, "Photos/2024/pic.jpg")
	if out := mustRun(t, state, "file", "ls", "Photos/2024"); !strings.Contains(out, "2 of 2 copies") {
		t.Errorf("file ls:\n%s", out)
	}
	back := filepath.Join(dir, "back.jpg")
	mustRun(t, state, "file", "get", "Photos/2024/pic.jpg", back)
	if a, b := mustRead(t, local), mustRead(t, back); !bytes.Equal(a, b) {
		t.Error("the file came back different")
	}
	if out := mustRun(t, state, "file", "versions", "Photos/2024/pic.jpg"); !strings.Contains(out, "Photos/2024/pic.jpg") {
		t.Errorf("file versions:\n%s", out)
	}
	if out, code := hearthd(t, state, "file", "put", local, "Photos/../../etc/x"); code == 0 || !strings.Contains(out, "not allowed") {
		t.Errorf("a hostile path: exit %d\n%s", code, out)
	}
	if out, code := hearthd(t, state, "share", "set", "Nope", "--copies", "1"); code != 1 || !strings.Contains(out, "no such share") {
		t.Errorf("set on a missing share: exit %d\n%s", code, out)
	}
	if out, code := hearthd(t, state, "pool", "rebuild"); code != 1 || !strings.Contains(out, "stop it first") {
		t.Errorf("rebuild while running: exit %d\n%s", code, out)
	}
	if out := mustRun(t, state, "pool", "status"); !strings.Contains(out, "every file has the copies") {
		t.Errorf("pool status:\n%s", out)
	}
	if out, code := hearthd(t, state, "drive", "remove", "Second"); code != 1 || !strings.Contains(out, "single copy") {
		t.Errorf("removing one of two drives of a duplicated pool: exit %d\n%s", code, out)
	}
	stop()

	// Without a daemon the same commands open the pool themselves.
	if out := mustRun(t, state, "file", "ls", "Photos/2024"); !strings.Contains(out, "pic.jpg") {
		t.Errorf("file ls without a daemon:\n%s", out)
	}
	// The catalog is lost: rebuild from the drives.
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(paths.Catalog(state) + s)
	}
	if out := mustRun(t, state, "pool", "rebuild"); !strings.Contains(out, "Rebuilt from the drives") || !strings.Contains(out, "1 file in") ||
		strings.Contains(out, "old catalog") {
		t.Errorf("pool rebuild without a catalog (it must not speak of an old one):\n%s", out)
	}
	if out := mustRun(t, state, "share", "list"); !strings.Contains(out, "Photos") {
		t.Errorf("shares after rebuild:\n%s", out)
	}
	if out, code := hearthd(t, state, "nonsense"); code != 2 || !strings.Contains(out, "usage") {
		t.Errorf("unknown command: exit %d\n%s", code, out)
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
