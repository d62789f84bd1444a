package pool_test

import (
	"os"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// Every test of the pool runs with another pool's drive mounted on the machine, which
// none may adopt or touch. The crash test's child process only writes its own pool.
func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		crashChild()
		return
	}
	if os.Getenv(rebuildEnv) != "" {
		rebuildChild()
		return
	}
	os.Exit(pooltest.WithForeignPool(m))
}
