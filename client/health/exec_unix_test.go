//go:build unix

package health

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRunTool(t *testing.T) {
	out, err := runTool(context.Background(), "sh", "-c", `echo "$LC_ALL"; echo oops >&2; exit 100`)
	if err != nil {
		t.Fatal(err)
	}
	if out.Stdout != "C\n" || out.Stderr != "oops\n" || out.Code != 100 {
		t.Errorf("runTool = %+v, want LC_ALL=C on stdout, oops on stderr, exit code 100", out)
	}
}

func TestRunToolMissing(t *testing.T) {
	_, err := runTool(context.Background(), "hearth-no-such-tool")
	if !errors.Is(err, errNoTool) {
		t.Errorf("err = %v, want errNoTool", err)
	}
}

func TestRunToolStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := runTool(ctx, "sleep", "10")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "sleep") {
		t.Errorf("err = %v, want the deadline, naming the tool", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("runTool took %v after its context ended", time.Since(start))
	}
}

func TestRunToolNeverPrompts(t *testing.T) {
	// A tool that reads stdin gets end of file at once rather than waiting for a person.
	out, err := runTool(context.Background(), "sh", "-c", `read answer; echo "got:$answer"`)
	if err != nil || out.Stdout != "got:\n" {
		t.Errorf("runTool = %+v, %v; want an empty answer", out, err)
	}
}
