// Package testenv lets tests that need an outside tool, or root, say so in one line, and
// turns such a skip into a failure when HEARTH_TEST_NO_SKIP is set (make test sets it), so
// a green run always means the real thing ran.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// NoSkip is the environment switch make test sets.
const NoSkip = "HEARTH_TEST_NO_SKIP"

// Skip skips the test, or fails it when skips are not allowed.
func Skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(NoSkip) != "" {
		t.Fatalf("cannot run: %s (%s is set, so this is a failure; run make deps)", why, NoSkip)
	}
	t.Skip(why)
}

// NeedTool returns the path of a program, skipping the test when it is not installed.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Skip(t, name+" is not installed")
	}
	return p
}

// NeedRoot skips the test unless it runs as root (mounts, network namespaces).
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Skip(t, "needs root")
	}
}
