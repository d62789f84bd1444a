package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileFind: 'hearthd file find' searches every share by a fragment of a name,
// through the running daemon and without one, best matches first.
func TestFileFind(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state)
	mustRun(t, state, "share", "add", "Photos")
	mustRun(t, state, "share", "add", "Papers")
	local := filepath.Join(dir, "x")
	os.WriteFile(local, []byte("x"), 0o644)
	mustRun(t, state, "file", "mkdir", "Photos/Noël 2024")
	for _, p := range []string{"Photos/Noël 2024/sapin.jpg", "Papers/noel gifts.txt", "Papers/Christmas.txt"} {
		mustRun(t, state, "file", "put", local, p)
	}
	check := func(when string, args []string, want ...string) {
		t.Helper()
		out := mustRun(t, state, append([]string{"file", "find"}, args...)...)
		last := -1
		for _, w := range want {
			i := strings.Index(out, w)
			if i < 0 || i < last {
				t.Errorf("%s: file find %s: want %q, in this order: %q\n%s", when, strings.Join(args, " "), w, want, out)
				return
			}
			last = i
		}
	}
	// Both names start with it: the shorter path first.
	check("with the daemon", []string{"NOEL"}, "Photos/Noël 2024/", "Papers/noel gifts.txt")
	check("with the daemon", []string{"-limit", "1", "noel"}, "Photos/Noël 2024/", "There are more")
	check("with the daemon", []string{"sapin.JPG"}, "Photos/Noël 2024/sapin.jpg")
	check("with the daemon", []string{"zebra"}, `No file or folder has "zebra" in its name.`)
	if out, code := hearthd(t, state, "file", "find", "-limit", "0", "x"); code == 0 || !strings.Contains(out, "-limit") {
		t.Errorf("a limit of 0: exit %d\n%s", code, out)
	}
	stop()
	check("without a daemon", []string{"christ"}, "Papers/Christmas.txt")
}
