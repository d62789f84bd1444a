package mountinfo

import "testing"

func TestParseMountLine(t *testing.T) {
	got, ok := ParseLine(`60 19 8:33 / /mnt/My\040Disk rw,relatime shared:91 master:2 - ext4 /dev/sdb1 rw`)
	want := Mount{Dev: "8:33", Root: "/", Point: "/mnt/My Disk", FSType: "ext4", Source: "/dev/sdb1"}
	if !ok || got != want {
		t.Errorf("ParseLine = %+v, %v; want %+v", got, ok, want)
	}
	for _, bad := range []string{"", "no separator here", "1 2 3 - ext4", "1 2 8:1 / / rw - ext4"} {
		if m, ok := ParseLine(bad); ok {
			t.Errorf("ParseLine(%q) = %+v, want not ok", bad, m)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/plain`:            "/plain",
		`/a\040b`:           "/a b",
		`a\011b\012c\134d`:  "a\tb\nc\\d",
		`trailing\04`:       `trailing\04`,
		`\999`:              `\999`,
		`\`:                 `\`,
		`/media/x\040y\040`: "/media/x y ",
		`/not\08x`:          `/not\08x`,
	} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseLine: any line either parses into a mount with its fields or is skipped;
// never a panic.
func FuzzParseLine(f *testing.F) {
	f.Add(`60 19 8:33 / /mnt/My\040Disk rw,relatime shared:91 master:2 - ext4 /dev/sdb1 rw`)
	f.Add(`1 2 3 - ext4`)
	f.Fuzz(func(t *testing.T, line string) {
		if m, ok := ParseLine(line); ok && (m.Dev == "" || m.Point == "" || m.FSType == "") {
			t.Fatalf("parsed %q into %+v", line, m)
		}
	})
}
