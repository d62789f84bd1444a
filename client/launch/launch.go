// Package launch starts the desktop's own programs (a file manager, a document's
// application) and tells whether they failed at once.
package launch

import (
	"fmt"
	"os/exec"
	"time"
)

// Briefly runs cmd and returns its failure if it fails within d. A command still running
// then (an application that stays in the foreground) has done its part, and is left to
// run; it is reaped when it ends.
func Briefly(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", cmd.Args[0], err)
		}
		return nil
	case <-time.After(d):
		return nil
	}
}
