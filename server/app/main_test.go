package app_test

import (
	"os"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// The servers these tests start must leave another pool mounted on the machine alone.
func TestMain(m *testing.M) { os.Exit(pooltest.WithForeignPool(m)) }
