package cli

import (
	"os"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestMain: the tests' servers do not look at the machine's mount points, and must leave
// another pool mounted meanwhile alone.
func TestMain(m *testing.M) {
	os.Setenv("HEARTH_NO_MOUNT_SCAN", "1")
	os.Exit(pooltest.WithForeignPool(m))
}
