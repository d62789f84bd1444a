//go:build unix

package discovery

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// shareAddress lets the port be shared with the system's own mDNS responder (Avahi,
// mDNSResponder), which holds it too.
func shareAddress(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); serr == nil {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		}
	})
	if err != nil {
		return err
	}
	return serr
}
