package health

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
)

// testdata reads a recorded output from testdata/.
func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fixed(checks ...schema.Check) Probe {
	return ProbeFunc(func(context.Context) []schema.Check { return checks })
}

func quietRunner(timeout time.Duration) Runner {
	return Runner{Timeout: timeout, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestRunSortsAndStamps(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	r := quietRunner(time.Second)
	r.Now = func() time.Time { return now }
	report := r.Run(context.Background(), []Probe{
		fixed(updatesCheck(schema.Good, "All updates are installed.")),
		fixed(
			diskCheck(diskUsage{Mount: "/home", Free: 100 * gib, Total: 200 * gib}),
			diskCheck(diskUsage{Mount: "/", Free: 50 * gib, Total: 200 * gib}),
		),
		fixed(), // a probe with nothing to say
		fixed(firewallCheck(schema.Warning, "The firewall (ufw) is off. "+ufwEnable)),
	})
	var ids []string
	for _, c := range report.Checks {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"disk:/", "disk:/home", "firewall", "updates"}, ids); diff != "" {
		t.Errorf("check IDs (-want +got):\n%s", diff)
	}
	if report.OS != runtime.GOOS {
		t.Errorf("OS = %q, want %q", report.OS, runtime.GOOS)
	}
	if !report.Time.Equal(now) || report.Time.Location() != time.UTC {
		t.Errorf("Time = %v, want %v in UTC", report.Time, now)
	}
}

func TestRunNoChecksIsEmptyNotNil(t *testing.T) {
	report := quietRunner(time.Second).Run(context.Background(), nil)
	if report.Checks == nil || len(report.Checks) != 0 {
		t.Errorf("Checks = %#v, want an empty list", report.Checks)
	}
}

func TestRunHungProbeIsUnknown(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hung := updatesProbe(func(context.Context) []schema.Check {
		<-release // ignores its context, as a stuck COM call would
		return []schema.Check{updatesCheck(schema.Good, "too late")}
	})
	start := time.Now()
	report := quietRunner(50*time.Millisecond).Run(context.Background(), []Probe{hung, fixed(rebootCheck(schema.Good, "No restart is needed."))})
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("Run took %v with a 50ms timeout", elapsed)
	}
	want := []schema.Check{
		rebootCheck(schema.Good, "No restart is needed."),
		updatesCheck(schema.Unknown, "Hearth could not check this: the check took longer than 50ms. It will try again later."),
	}
	if diff := cmp.Diff(want, report.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}

func TestRunPanickingProbeIsUnknown(t *testing.T) {
	boom := Named("antivirus", areaSecurity, "Antivirus", ProbeFunc(func(context.Context) []schema.Check {
		var m map[string]int
		m["x"]++ // a nil map write: a real bug, not a staged panic value
		return nil
	}))
	report := quietRunner(time.Second).Run(context.Background(), []Probe{boom})
	want := []schema.Check{antivirusCheck(schema.Unknown,
		"Hearth could not check this: an error in Hearth stopped the check. It will try again later.")}
	if diff := cmp.Diff(want, report.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	waits := ProbeFunc(func(ctx context.Context) []schema.Check {
		cancel()
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // answers, but only after Run has given up
		return []schema.Check{firewallCheck(schema.Good, "late")}
	})
	report := quietRunner(time.Minute).Run(ctx, []Probe{waits})
	if len(report.Checks) != 1 {
		t.Fatalf("got %d checks, want 1", len(report.Checks))
	}
	c := report.Checks[0]
	if c.ID != "probe-0" || c.State != schema.Unknown || !strings.Contains(c.Sentence, "stopped before it finished") {
		t.Errorf("check = %+v, want an unknown probe-0 that was stopped", c)
	}
}

func TestRunTidiesUnknownStates(t *testing.T) {
	report := quietRunner(time.Second).Run(context.Background(), []Probe{
		fixed(schema.Check{ID: "x", Area: areaSecurity, State: "fine", Title: "X", Sentence: "Fine."}),
	})
	if got := report.Checks[0].State; got != schema.Unknown {
		t.Errorf("state = %q, want %q", got, schema.Unknown)
	}
}

func TestRoundDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{time.Minute, "1 minute"},
		{2 * time.Minute, "2 minutes"},
		{90 * time.Second, "90 seconds"},
		{1500 * time.Millisecond, "2 seconds"},
		{50 * time.Millisecond, "50ms"},
	} {
		if got := roundDuration(tc.d); got != tc.want {
			t.Errorf("roundDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestRunProbeCutShortWithNothingToSayIsUnknown(t *testing.T) {
	obeys := firewallProbe(func(ctx context.Context) []schema.Check {
		<-ctx.Done() // a well-behaved probe whose tool was killed
		return nil
	})
	report := quietRunner(20*time.Millisecond).Run(context.Background(), []Probe{obeys})
	want := []schema.Check{firewallCheck(schema.Unknown,
		"Hearth could not check this: the check took longer than 20ms. It will try again later.")}
	if diff := cmp.Diff(want, report.Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
}
