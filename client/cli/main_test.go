package cli

import (
	"context"
	"os"
	"testing"
)

// runHearth, set in the environment, makes the test binary hearth itself, its arguments
// hearth's: a test runs hearth as another user that way (disks_linux_test.go).
const runHearth = "HEARTH_TEST_RUN_HEARTH"

func TestMain(m *testing.M) {
	if os.Getenv(runHearth) == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
