package smart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Smartctl reads SMART data by running smartctl from smartmontools 7.0 or newer (the
// first with JSON output). It is safe for concurrent use.
type Smartctl struct {
	// Path is the smartctl program. Empty looks for it in PATH, then in /usr/sbin and
	// /usr/local/sbin, which a service's PATH may lack.
	Path string
}

var _ Reader = Smartctl{}

const (
	maxOutput = 16 << 20 // far above the ~200 KB of smartctl -x on a disk with full logs
	// waitDelay bounds the wait for smartctl's output pipes once it is killed.
	waitDelay = 2 * time.Second
)

// Read runs "smartctl -j -a -n standby device". -n standby makes smartctl exit before
// sending the disk any command that would spin it up. smartctl's exit status is a
// bitmask of the disk's condition, so a nonzero exit is judged, not taken as a failure.
//
// When ctx ends first Read returns its error at once, even if smartctl is stuck in the
// kernel on a dying disk and outlives the kill: it is reaped in the background.
func (s Smartctl) Read(ctx context.Context, device string) (Report, error) {
	bin, err := s.binary()
	if err != nil {
		return Report{}, err
	}
	out, code, err := run(ctx, bin, "-j", "-a", "-n", "standby", device)
	if err != nil {
		return Report{}, fmt.Errorf("read SMART data of %s: %w", device, err)
	}
	return interpret(device, out, code)
}

// binary finds the smartctl program.
func (s Smartctl) binary() (string, error) {
	if s.Path != "" {
		return s.Path, nil
	}
	if p, err := exec.LookPath("smartctl"); err == nil {
		return p, nil
	}
	sbin := []string{"/usr/sbin/smartctl", "/usr/local/sbin/smartctl"}
	for _, p := range sbin {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: not in PATH, %s", ErrNotInstalled, strings.Join(sbin, " or "))
}

// run runs smartctl and returns its standard output and exit code.
func run(ctx context.Context, bin string, args ...string) ([]byte, int, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	// smartctl's messages are matched in English (see asleep and classify).
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	stdout, stderr := &capped{max: maxOutput}, &capped{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return nil, 0, fmt.Errorf("%w: %v", ErrNotInstalled, err)
		}
		return nil, 0, fmt.Errorf("start smartctl: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		return nil, 0, fmt.Errorf("smartctl did not finish: %w", ctx.Err())
	}
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		code = exit.ExitCode()
	case err != nil:
		return nil, 0, fmt.Errorf("smartctl: %w %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	if stdout.over {
		return nil, 0, fmt.Errorf("smartctl wrote more than %d bytes", maxOutput)
	}
	if len(bytes.TrimSpace(stdout.Bytes())) == 0 {
		return nil, 0, fmt.Errorf("smartctl gave no output (exit status %d) %s", code, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), code, nil
}

// capped keeps the first max bytes written to it and notes whether there were more.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); len(p) > room {
		c.over = true
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
