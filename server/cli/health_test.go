package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// TestHealthCommand: with a drive unplugged, 'hearthd health' says what is wrong and
// what to do, lists it among the events, and gives the same as JSON.
func TestHealthCommand(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	stop := startDaemon(t, state)
	defer stop()
	if out := mustRun(t, state, "health"); !strings.Contains(out, "Drives:") || !strings.Contains(out, "PCs:\n  none yet") {
		t.Errorf("health of a new server:\n%s", out)
	}
	second := filepath.Join(dir, "second")
	os.Mkdir(second, 0o755)
	mustRun(t, state, "drive", "add", second, "-label", "Cellar disk")
	if err := os.Rename(second, second+".gone"); err != nil {
		t.Fatal(err)
	}
	var out string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out = mustRun(t, state, "health", "-now", "-events", "5")
		if strings.Contains(out, "CRITICAL Cellar disk is missing") || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{"Health: critical.", "CRITICAL Cellar disk is missing", "Plug it back in", "critical Cellar disk (missing)", "Recent alerts:", "Cellar disk: critical: Cellar disk is missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("health lacks %q:\n%s", want, out)
		}
	}
	var h schema.Health
	if err := json.Unmarshal([]byte(mustRun(t, state, "health", "-json")), &h); err != nil || h.State != schema.Critical {
		t.Errorf("health -json: %+v %v", h, err)
	}
	if out, code := hearthd(t, state, "health", "forget", "Nobody's PC"); code != 1 || !strings.Contains(out, "not found") {
		t.Errorf("forgetting an unknown PC: exit %d %q", code, out)
	}
}
