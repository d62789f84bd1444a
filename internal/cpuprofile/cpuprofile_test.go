package cpuprofile

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestFromEnv: with the variable set, a readable CPU profile is written under the
// command's name and process id; without it, nothing is.
func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HEARTH_CPUPROFILE", "")
	FromEnv("x")()
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Fatalf("without HEARTH_CPUPROFILE: %v", m)
	}
	t.Setenv("HEARTH_CPUPROFILE", filepath.Join(dir, "p"))
	stop := FromEnv("hearth")
	n := 0
	for i := range 20_000_000 {
		n += i % 7
	}
	stop()
	b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("p.hearth.%d", os.Getpid())))
	if err != nil {
		t.Fatal(err)
	}
	// A pprof profile is gzipped protobuf, begun by gzip's magic number.
	if len(b) < 20 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("the profile (%d bytes, after %d) is not a gzipped pprof profile", len(b), n)
	}
}
