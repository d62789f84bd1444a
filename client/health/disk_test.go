package health

import (
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/api/schema"
)

func TestDiskState(t *testing.T) {
	const gb = 1000 * 1000 * 1000
	for _, tc := range []struct {
		name        string
		free, total uint64
		want        string
	}{
		{"big disk, plenty free", 76 * gb, 252 * gb, schema.Good},
		{"big disk at 3%: the 5 GiB cap rules, not 10%", 7 * gb, 250 * gb, schema.Good},
		{"big disk under 5 GiB", 5*gib - 1, 250 * gb, schema.Warning},
		{"big disk at 1 GiB exactly", 1 * gib, 250 * gb, schema.Warning},
		{"big disk under 1 GiB", 1*gib - 1, 250 * gb, schema.Critical},
		{"4 TB disk with 300 GB free", 300 * gb, 4000 * gb, schema.Good},
		{"32 GB disk with 4 GB free (12%)", 4 * gb, 32 * gb, schema.Good},
		{"32 GB disk with 3 GB free (9%)", 3 * gb, 32 * gb, schema.Warning},
		{"32 GB disk with 0.6 GB free (under 2%)", 600 * 1000 * 1000, 32 * gb, schema.Critical},
		{"full", 0, 32 * gb, schema.Critical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := diskState(diskUsage{Free: tc.free, Total: tc.total}); got != tc.want {
				t.Errorf("diskState(free %d of %d) = %q, want %q", tc.free, tc.total, got, tc.want)
			}
		})
	}
}

func TestDiskCheckSentences(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    diskUsage
		want schema.Check
	}{
		{"good", diskUsage{Mount: "/", Free: 76_000_000_000, Total: 252_000_000_000}, schema.Check{
			ID: "disk:/", Area: "storage", State: schema.Good, Title: "Disk /",
			Sentence: "Disk / has 70.8 GiB free of 234.7 GiB (30%).",
		}},
		{"warning", diskUsage{Mount: "C:", Free: 3_100_000_000, Total: 250_000_000_000}, schema.Check{
			ID: "disk:C:", Area: "storage", State: schema.Warning, Title: "Disk C:",
			Sentence: "Disk C: is getting full: 2.9 GiB free of 232.8 GiB (1%). " + freeSpaceAdvice,
		}},
		{"critical", diskUsage{Mount: "/home", Free: 700_000_000, Total: 250_000_000_000}, schema.Check{
			ID: "disk:/home", Area: "storage", State: schema.Critical, Title: "Disk /home",
			Sentence: "Disk /home is almost full: 667.6 MiB free of 232.8 GiB (less than 1%). " + freeSpaceUrgency,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := diskCheck(tc.u); got != tc.want {
				t.Errorf("diskCheck(%+v) =\n%+v\nwant\n%+v", tc.u, got, tc.want)
			}
		})
	}
}

func TestDiskChecksWithNoDiskIsUnknown(t *testing.T) {
	checks := diskChecks(nil, errTest("statfs /: permission denied"))
	if len(checks) != 1 || checks[0].State != schema.Unknown || !strings.Contains(checks[0].Sentence, "permission denied") {
		t.Errorf("diskChecks(nil, err) = %+v, want one unknown check naming the error", checks)
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }
