//go:build unix

package smart_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/health/smart"
)

// fakeSmartctl writes a stand-in for smartctl that checks it was called as Read calls
// it, prints a recorded output and exits with code.
func fakeSmartctl(t *testing.T, recording string, code int) smart.Smartctl {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("testdata", recording))
	if err != nil {
		t.Fatal(err)
	}
	return script(t, fmt.Sprintf(`[ "$LC_ALL" = C ] || { echo "LC_ALL is $LC_ALL" >&2; exit 99; }
[ "$*" = "-j -a -n standby /dev/sdz" ] || { echo "called with: $*" >&2; exit 98; }
cat '%s'
exit %d`, abs, code))
}

func script(t *testing.T, body string) smart.Smartctl {
	t.Helper()
	p := filepath.Join(t.TempDir(), "smartctl")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return smart.Smartctl{Path: p}
}

func TestSmartctlJudgesNonzeroExit(t *testing.T) {
	tests := []struct {
		name, file string
		code       int
		wantState  string
		wantAsleep bool
	}{
		{"failing disk, exit 216", "smart-fail2.json", 216, schema.Critical, false},
		{"healthy disk", "smart-ata.json", 0, schema.Good, false},
		{"asleep, exit 2", "synth-standby.json", 2, schema.Unknown, true},
		{"saved without an exit status", "smart-scsi.json", 0, schema.Warning, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := fakeSmartctl(t, tc.file, tc.code).Read(t.Context(), "/dev/sdz")
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if r.State != tc.wantState || r.Asleep != tc.wantAsleep {
				t.Errorf("Read = State %q Asleep %v, want %q %v (%+v)", r.State, r.Asleep, tc.wantState, tc.wantAsleep, r)
			}
		})
	}
}

func TestSmartctlExitMustAgree(t *testing.T) {
	_, err := fakeSmartctl(t, "smart-fail2.json", 0).Read(t.Context(), "/dev/sdz")
	if err == nil || !strings.Contains(errors.Unwrap(err).Error(), "exit status 216 but smartctl exited with 0") {
		t.Fatalf("Read = %v, want the disagreement named", err)
	}
}

func TestSmartctlNotJSON(t *testing.T) {
	s := script(t, `echo "=======> UNRECOGNIZED OPTION: j"; exit 1`)
	_, err := s.Read(t.Context(), "/dev/sdz")
	if err == nil || !strings.Contains(err.Error(), "smartmontools 7.0 or newer") {
		t.Fatalf("Read = %v, want an error that asks for smartmontools 7.0", err)
	}
}

func TestSmartctlNotInstalled(t *testing.T) {
	s := smart.Smartctl{Path: filepath.Join(t.TempDir(), "smartctl")}
	if _, err := s.Read(t.Context(), "/dev/sda"); !errors.Is(err, smart.ErrNotInstalled) {
		t.Fatalf("Read = %v, want ErrNotInstalled", err)
	}
}

// A dying disk can hold smartctl in the kernel; Read must give up when ctx does, even
// while children of smartctl keep its output open.
func TestSmartctlHangReturnsOnDeadline(t *testing.T) {
	s := script(t, `sleep 5 & sleep 5`)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Read(ctx, "/dev/sdz")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Read took %v after a 200ms deadline", d)
	}
}

// The real smartctl, on a device that does not exist: a clear error, no hang.
func TestSmartctlRealNoSuchDevice(t *testing.T) {
	needSmartctl(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for _, dev := range []string{"/dev/hearth-no-such-disk", "/dev/nonexistent", "/dev/sdzz"} {
		r, err := smart.Smartctl{}.Read(ctx, dev)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "The disk "+dev+" is not there any more") {
			t.Errorf("Read(%s) = %+v, %v; want an error that says it cannot find %s", dev, r, err, dev)
		}
	}
}

// The real smartctl on the disk under a temp dir of this machine, whatever it is: a
// report, or one of the errors a caller is told to expect.
func TestSmartctlRealThisMachine(t *testing.T) {
	needSmartctl(t)
	dev, err := smart.DeviceOf(t.TempDir())
	if errors.Is(err, smart.ErrNoSMART) || errors.Is(err, errors.ErrUnsupported) {
		t.Logf("the temp dir's disk cannot be asked: %v", err) // TestDeviceOfThisMachine checks why
		return
	}
	if err != nil {
		t.Fatalf("DeviceOf: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := smart.Smartctl{}.Read(ctx, dev)
	var ae *smart.AccessError
	switch {
	case err == nil:
		if r.Device == "" || r.State == "" {
			t.Errorf("Read(%s) = %+v, want a device and a state", dev, r)
		}
		t.Logf("%s: %s %v", dev, r.State, r.Problems)
	case errors.Is(err, smart.ErrNoSMART):
		t.Logf("%s cannot report SMART: %v", dev, err)
	case errors.As(err, &ae) && errors.Is(err, fs.ErrPermission):
		t.Logf("%s refused: %v", dev, err)
	default:
		t.Fatalf("Read(%s): %v", dev, err)
	}
}

func needSmartctl(t *testing.T) {
	t.Helper()
	for _, p := range []string{"/usr/sbin/smartctl", "/usr/local/sbin/smartctl"} {
		if _, err := os.Stat(p); err == nil {
			return
		}
	}
	testenv.NeedTool(t, "smartctl")
}
