package dav_test

import (
	"os"
	"testing"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// The tests' servers must leave another pool mounted on the machine alone.
func TestMain(m *testing.M) { os.Exit(pooltest.WithForeignPool(m)) }
