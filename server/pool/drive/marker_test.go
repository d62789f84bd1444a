package drive

import (
	"strings"
	"testing"
)

// FuzzParseMarker: a marker is read from any disk put in the box.
func FuzzParseMarker(f *testing.F) {
	f.Add([]byte(`{"format":1,"pool_id":"p","drive_id":"d","label":"Disk 1"}`))
	f.Add([]byte(`{"format":1,"pool_id":"","drive_id":"d"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMarker(b)
		if err == nil && (m.PoolID == "" || m.DriveID == "" || m.Format != markerFormat) {
			t.Fatalf("accepted %+v", m)
		}
	})
}

// FuzzVersionName: names in the versions area are read back from disk.
func FuzzVersionName(f *testing.F) {
	f.Add("report.docx", uint64(12))
	f.Add("a~v3", uint64(0))
	f.Fuzz(func(t *testing.T, base string, gen uint64) {
		if base == "" || strings.Contains(base, "/") {
			return
		}
		name, g, ok := parseVersionName(versionName(base, gen))
		if !ok || name != base || g != gen {
			t.Fatalf("round trip of %q, %d gave %q, %d, %v", base, gen, name, g, ok)
		}
	})
}
