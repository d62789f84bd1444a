package health

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// toolOutput is what a tool printed and how it ended.
type toolOutput struct {
	Stdout, Stderr string
	// Code is the exit code; tools such as dnf check-update answer with it.
	Code int
}

// errNoTool says the tool is not installed.
var errNoTool = errors.New("not installed")

// runTool runs a system tool the way the probes need it: in English (LC_ALL=C, so the
// parsers see the words they know), with no stdin (so it can never prompt), and killed when
// ctx ends. A non-zero exit is not an error here; a tool that cannot start is, and
// errors.Is(err, errNoTool) when it is missing.
func runTool(ctx context.Context, name string, args ...string) (toolOutput, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	// A tool's children may hold its output open after it is killed; do not wait on them.
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := toolOutput{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist):
		return out, fmt.Errorf("%s: %w", name, errNoTool)
	case ctx.Err() != nil:
		return out, fmt.Errorf("run %s: %w", name, ctx.Err())
	case errors.As(err, &exit):
		out.Code = exit.ExitCode()
	default:
		return out, fmt.Errorf("run %s: %w", name, err)
	}
	return out, nil
}
