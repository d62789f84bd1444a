//go:build !linux

package smart

import (
	"errors"
	"fmt"
	"runtime"
)

// DeviceOf returns the whole disk that holds the folder path. Only Linux is supported
// as of 2026; elsewhere it returns an error wrapping errors.ErrUnsupported.
func DeviceOf(path string) (string, error) {
	return "", fmt.Errorf("find the disk of %s: not done on %s: %w", path, runtime.GOOS, errors.ErrUnsupported)
}
