//go:build acceptance

package console_test

import (
	"os"
	"strconv"
	"testing"
)

// TestTenGiBThroughTwoDrops is issue 19's "done when", run by `make acceptance` (too
// big for make test, which runs the same steps on a smaller file):
// a family member uploads a 10 GiB video from the Files page over a connection that
// drops twice. HEARTH_ACCEPT_BYTES sets another size.
func TestTenGiBThroughTwoDrops(t *testing.T) {
	size := int64(10 << 30)
	if v := os.Getenv("HEARTH_ACCEPT_BYTES"); v != "" {
		size, _ = strconv.ParseInt(v, 10, 64)
	}
	uploadThroughTwoDrops(t, size)
}
