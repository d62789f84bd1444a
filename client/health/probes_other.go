//go:build !linux && !windows && !darwin

package health

// Default returns no probes on this system: Hearth knows how to check Linux, Windows and
// macOS, and would only guess elsewhere.
func Default() []Probe { return nil }
