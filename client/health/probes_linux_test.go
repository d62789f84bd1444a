package health

import (
	"context"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

// TestDefaultOnThisMachine runs the real Linux probes: whatever this machine's state, each
// check must be well formed, and / must be among the disks.
func TestDefaultOnThisMachine(t *testing.T) {
	report := Run(context.Background(), Default())
	if report.OS != "linux" {
		t.Errorf("OS = %q", report.OS)
	}
	sawRoot := false
	for _, c := range report.Checks {
		t.Logf("%-10s %-8s %-8s %s", c.ID, c.Area, c.State, c.Sentence)
		switch c.State {
		case schema.Good, schema.Unknown, schema.Warning, schema.Critical:
		default:
			t.Errorf("%s: state %q", c.ID, c.State)
		}
		switch c.Area {
		case areaStorage, areaNetwork, areaSecurity, areaUpdates:
		default:
			t.Errorf("%s: area %q", c.ID, c.Area)
		}
		if c.ID == "" || c.Title == "" || !strings.HasSuffix(c.Sentence, ".") {
			t.Errorf("check not well formed: %+v", c)
		}
		if strings.Contains(c.Sentence, "took longer") || strings.Contains(c.Sentence, "error in Hearth") {
			t.Errorf("%s: probe failed: %s", c.ID, c.Sentence)
		}
		sawRoot = sawRoot || c.ID == "disk:/"
	}
	if !sawRoot {
		t.Errorf("no disk:/ check among %d checks", len(report.Checks))
	}
}

// TestLinuxDisksAgreeWithStatfs compares the probe's numbers for / with statfs(2) read here.
func TestLinuxDisksAgreeWithStatfs(t *testing.T) {
	disks, err := linuxDisks(context.Background(), "/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		t.Fatal(err)
	}
	total, free := st.Blocks*uint64(st.Frsize), st.Bavail*uint64(st.Frsize) // f_blocks counts fragments
	for _, d := range disks {
		if d.Mount != "/" {
			continue
		}
		if d.Total != total {
			t.Errorf("total of / = %d, statfs says %d", d.Total, total)
		}
		// Other processes write meanwhile; 256 MiB of slack is far below any threshold.
		if diff := int64(d.Free) - int64(free); diff > 256<<20 || diff < -256<<20 {
			t.Errorf("free on / = %d, statfs says %d", d.Free, free)
		}
		c := diskCheck(d)
		if !strings.Contains(c.Sentence, "of "+human.Bytes(int64(total))+" (") {
			t.Errorf("sentence %q does not give the size %s", c.Sentence, human.Bytes(int64(total)))
		}
		return
	}
	t.Fatalf("/ is not among the disks %+v", disks)
}

func TestLinuxDisksFallBackToRoot(t *testing.T) {
	// A container whose / is an overlay: no mount is a disk of its own.
	dir := t.TempDir()
	name := dir + "/mountinfo"
	overlay := "500 400 0:52 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/X,upperdir=/u,workdir=/w\n" +
		"501 500 0:55 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
	if err := os.WriteFile(name, []byte(overlay), 0o600); err != nil {
		t.Fatal(err)
	}
	disks, err := linuxDisks(context.Background(), name)
	if err != nil || len(disks) != 1 || disks[0].Mount != "/" || disks[0].Total == 0 {
		t.Errorf("linuxDisks = %+v, %v; want / alone", disks, err)
	}
}
