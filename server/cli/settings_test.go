package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSettingsCommand(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state, "-drive", filepath.Join(dir, "disk"))
	defer stop()
	for _, c := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"settings", "set", "window", "03:00-07:00"}, 0, "03:00-07:00"},
		{[]string{"settings", "set", "keep", "last=2,monthly=12"}, 0, "last=2,daily=0,weekly=0,monthly=12"},
		{[]string{"settings", "set", "timezone", "Europe/Paris"}, 0, "Europe/Paris"},
		{[]string{"settings", "set", "name", "Family Server"}, 0, "Family Server"},
		{[]string{"settings", "set", "timezone", "Mars/Olympus"}, 1, "not a time zone this server knows"},
		{[]string{"settings", "set", "window", "morning"}, 1, "two times of day"},
		{[]string{"settings", "set", "metrics", "all"}, 1, "admin (administrators only)"},
		{[]string{"settings", "set", "colour", "red"}, 1, "the settings are name, keep"},
		{[]string{"settings", "set", "window", "none"}, 0, "none (each PC"},
		{[]string{"settings"}, 0, "Europe/Paris"},
	} {
		out, code := hearthd(t, state, c.args...)
		if code != c.code || !strings.Contains(out, c.say) {
			t.Errorf("hearthd %s: exit %d, want %d with %q:\n%s", strings.Join(c.args, " "), code, c.code, c.say, out)
		}
	}
}
