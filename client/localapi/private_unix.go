//go:build unix

package localapi

import "os"

// private gives path the mode that lets only its owner in.
func private(path string, mode os.FileMode) error { return os.Chmod(path, mode) }
