package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestShareMedia: a new server streams the family's Music, Pictures and Videos to the
// TVs and nothing else; 'hearthd share set -media' turns a share on and off, and says
// so in words; a word other than on or off is refused; 'hearthd health' says where the
// TVs stream from and what.
func TestShareMedia(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state, "-drive", filepath.Join(dir, "disk"))
	defer stop()
	if out, code := hearthdWithInput(t, state, "correct horse\n", "setup", "-name", "dad"); code != 0 {
		t.Fatal(out)
	}
	streamed := func() map[string]bool {
		t.Helper()
		out := mustRun(t, state, "share", "list")
		got := map[string]bool{}
		for _, l := range strings.Split(out, "\n")[1:] {
			if f := strings.Fields(l); len(f) > 0 {
				got[f[0]] = strings.Contains(l, " streamed ")
			}
		}
		return got
	}
	got := streamed()
	for share, want := range map[string]bool{"Music": true, "Pictures": true, "Videos": true, "Documents": false, "Public": false, "Software": false, "dad": false} {
		if got[share] != want {
			t.Errorf("a new server streams %s: %v, want %v (%v)", share, got[share], want, got)
		}
	}
	if out := mustRun(t, state, "share", "set", "Documents", "-media", "on"); !strings.Contains(out, "Share Documents is streamed to the TVs") {
		t.Errorf("share set -media on says:\n%s", out)
	}
	if out := mustRun(t, state, "share", "set", "Music", "-media", "off"); !strings.Contains(out, "Share Music is not streamed") {
		t.Errorf("share set -media off says:\n%s", out)
	}
	if got := streamed(); !got["Documents"] || got["Music"] {
		t.Errorf("after the changes: %v", got)
	}
	if out := mustRun(t, state, "health"); !regexp.MustCompile(`TVs and game consoles \(DLNA\):\n  on at 127\.0\.0\.1:[0-9]+: Documents, Pictures, Videos\n`).MatchString(out) {
		t.Errorf("health does not say what the TVs can play:\n%s", out)
	}
	if out, code := hearthd(t, state, "share", "set", "Videos", "-media", "maybe"); code == 0 || !strings.Contains(out, "use on or off") {
		t.Errorf("share set -media maybe: %d %s", code, out)
	}
}
