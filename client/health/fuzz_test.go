package health

import (
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

// The parsers read text from outside tools; whatever it is, they must not panic and must
// not count more than there is.

func FuzzParseAptUpgradable(f *testing.F) {
	for _, name := range []string{"apt/bookworm-security.txt", "apt/jammy.txt", "apt/none.txt"} {
		f.Add(testdata(f, name))
	}
	f.Add("x/-security [upgradable from: 1]\n/,,-security [upgradable from:")
	f.Fuzz(func(t *testing.T, out string) {
		p := parseAptUpgradable(out)
		if p.Security > p.Count || p.Count > strings.Count(out, "[upgradable from:") {
			t.Errorf("parseAptUpgradable: %+v from %d marked lines", p, strings.Count(out, "[upgradable from:"))
		}
	})
}

func FuzzParseSoftwareUpdate(f *testing.F) {
	for _, name := range []string{"macos/softwareupdate-tahoe.txt", "macos/softwareupdate-mojave.txt",
		"macos/softwareupdate-security.txt", "macos/softwareupdate-none.txt"} {
		f.Add(testdata(f, name))
	}
	f.Fuzz(func(t *testing.T, out string) {
		p, ok := parseSoftwareUpdate(out)
		if !ok && p != (pendingUpdates{}) {
			t.Errorf("not understood, yet %+v", p)
		}
		if p.Security > p.Count || p.Count > strings.Count(out, "\n")+1 {
			t.Errorf("parseSoftwareUpdate: %+v", p)
		}
	})
}

func FuzzParseDNFCheckUpdate(f *testing.F) {
	f.Add(testdata(f, "dnf/check-update-wrapped-obsoleting.txt"))
	f.Fuzz(func(t *testing.T, out string) {
		if n := parseDNFCheckUpdate(out); n < 0 || n > strings.Count(out, "\n")+1 {
			t.Errorf("parseDNFCheckUpdate = %d", n)
		}
	})
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add(testdata(f, "mountinfo/ubuntu-server.txt"))
	f.Add(`60 19 8:33 / /mnt/My\040Disk\ rw - ext4 /dev/sdb1 rw`)
	f.Fuzz(func(t *testing.T, in string) {
		mounts, _ := mountinfo.Parse(strings.NewReader(in))
		if disks := fixedDisks(mounts); len(disks) > len(mounts) {
			t.Errorf("%d disks from %d mounts", len(disks), len(mounts))
		}
	})
}
