//go:build windows

package discovery

import (
	"syscall"

	"golang.org/x/sys/windows"
)

// shareAddress lets the port be shared with Windows' own mDNS service, which holds it too.
// Untested on Windows so far (built, not run).
func shareAddress(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = windows.SetsockoptInt(windows.Handle(fd), windows.SOL_SOCKET, windows.SO_REUSEADDR, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
