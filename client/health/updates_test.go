package health

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
)

func TestParseAptUpgradable(t *testing.T) {
	for _, tc := range []struct {
		file string
		want pendingUpdates
	}{
		{"apt/bookworm-security.txt", pendingUpdates{Count: 136, Security: 81}},
		{"apt/bookworm-no-security.txt", pendingUpdates{Count: 55}},
		{"apt/jammy.txt", pendingUpdates{Count: 3, Security: 1}},
		{"apt/none.txt", pendingUpdates{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, parseAptUpgradable(testdata(t, tc.file))); diff != "" {
				t.Errorf("updates (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDNFCheckUpdate(t *testing.T) {
	for _, tc := range []struct {
		file string
		want int
	}{
		{"dnf/check-update.txt", 3},
		{"dnf/check-update-wrapped-obsoleting.txt", 4},
		{"dnf/check-update-none.txt", 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if got := parseDNFCheckUpdate(testdata(t, tc.file)); got != tc.want {
				t.Errorf("parseDNFCheckUpdate = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestParseNeedsRestarting(t *testing.T) {
	for _, tc := range []struct {
		file     string
		needed   bool
		packages []string
		ok       bool
	}{
		{"dnf/needs-restarting-yes.txt", true, []string{"glibc", "kernel", "kernel-core"}, true},
		{"dnf/needs-restarting-no.txt", false, nil, true},
		{"dnf/needs-restarting-missing.txt", false, nil, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			needed, pkgs, ok := parseNeedsRestarting(testdata(t, tc.file))
			if needed != tc.needed || ok != tc.ok || !cmp.Equal(pkgs, tc.packages) {
				t.Errorf("parseNeedsRestarting = %v, %q, %v; want %v, %q, %v", needed, pkgs, ok, tc.needed, tc.packages, tc.ok)
			}
		})
	}
}

func TestUpdatesVerdict(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	const howTo = "Install them."
	for _, tc := range []struct {
		name string
		p    pendingUpdates
		want schema.Check
	}{
		{"none", pendingUpdates{Checked: now.Add(-time.Hour)},
			updatesCheck(schema.Good, "All updates are installed.")},
		{"a few, not security", pendingUpdates{Count: 3, Checked: now.Add(-time.Hour)},
			updatesCheck(schema.Good, "3 updates are waiting; none is urgent. Install them.")},
		{"one", pendingUpdates{Count: 1},
			updatesCheck(schema.Good, "1 update is waiting; none is urgent. Install them.")},
		{"security", pendingUpdates{Count: 136, Security: 81},
			updatesCheck(schema.Warning, "81 security updates are waiting. Install them.")},
		{"one security, restart", pendingUpdates{Count: 2, Security: 1, Restart: true},
			updatesCheck(schema.Warning, "1 security update is waiting. Install them. Some need a restart.")},
		{"many", pendingUpdates{Count: 55},
			updatesCheck(schema.Warning, "55 updates are waiting. Install them.")},
		{"old", pendingUpdates{Count: 2, Oldest: now.AddDate(0, -2, 0)},
			updatesCheck(schema.Warning, "2 updates are waiting, some of them for more than a month. Install them.")},
		{"recent", pendingUpdates{Count: 2, Oldest: now.AddDate(0, 0, -3)},
			updatesCheck(schema.Good, "2 updates are waiting; none is urgent. Install them.")},
		{"stale list", pendingUpdates{Checked: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)},
			updatesCheck(schema.Warning, "This computer has not looked for updates since September 1, 2026, so it may be missing some. Check for updates and install them: Install them.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, updatesVerdict(tc.p, now, howTo)); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRestartNeeded(t *testing.T) {
	for _, tc := range []struct {
		pkgs []string
		want string
	}{
		{nil, "The computer needs a restart to finish installing updates. Restart it when you can."},
		{[]string{"linux-image-6.1.0-28-amd64", "linux-image-6.1.0-28-amd64", "libc6"},
			"The computer needs a restart to finish installing updates (for linux-image-6.1.0-28-amd64 and libc6). Restart it when you can."},
		{[]string{"a", "b", "c", "d", "e"},
			"The computer needs a restart to finish installing updates (for a, b, c and 2 more). Restart it when you can."},
	} {
		if got := restartNeeded(tc.pkgs); got.Sentence != tc.want || got.State != schema.Warning {
			t.Errorf("restartNeeded(%q) = %+v, want a warning saying %q", tc.pkgs, got, tc.want)
		}
	}
}
