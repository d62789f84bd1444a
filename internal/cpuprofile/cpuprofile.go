// Package cpuprofile writes a CPU profile of a whole run of a command when
// HEARTH_CPUPROFILE names a file: make bench uses it to show where a backup's time goes,
// on the PC's side and the server's.
package cpuprofile

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// FromEnv starts profiling into $HEARTH_CPUPROFILE.who.pid when the variable is set, and
// returns what stops it; the command calls that before it exits.
func FromEnv(who string) (stop func()) {
	path := os.Getenv("HEARTH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%s.%d", path, who, os.Getpid()))
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "the CPU profile asked for in HEARTH_CPUPROFILE cannot be written:", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
