package cli

import (
	"os"
	"testing"
)

// TestMain: the tests' servers must not adopt the drives other tests mount meanwhile.
func TestMain(m *testing.M) {
	os.Setenv("HEARTH_NO_MOUNT_SCAN", "1")
	os.Exit(m.Run())
}
