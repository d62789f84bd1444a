package smart_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/health/smart"
)

// recordings serves the testdata files under the device names a caller would ask for.
func recordings(t *testing.T) smart.Recorded {
	t.Helper()
	files := fstest.MapFS{}
	for dev, file := range map[string]string{
		"sda":                   "smart-ata.json",
		"sdb":                   "smart-fail2.json",
		"sdc":                   "smart-fail.json",
		"sdd":                   "synth-standby.json",
		"sde":                   "local-eacces.json",
		"hearth-no-such-disk":   "local-no-such-device.json",
		"hearth-gone-or-virtio": "local-unknown-type.json",
		"null":                  "local-unknown-type.json", // a device that exists everywhere
	} {
		files[dev+".json"] = &fstest.MapFile{Data: readFile(t, file)}
	}
	// What smartctl 7.3 says of a USB enclosure it has no entry for.
	files["sdf.json"] = &fstest.MapFile{Data: synth(t, 1, map[string]any{"device": nil, "smartctl": map[string]any{"exit_status": 1,
		"messages": []any{map[string]any{"string": "/dev/sdf: Unknown USB bridge [0x152d:0x0578 (0x205)]", "severity": "error"}}}})}
	return smart.Recorded{Files: files}
}

func TestRecorded(t *testing.T) {
	r := recordings(t)
	ctx := t.Context()
	tests := []struct {
		name, device string
		wantState    string
		wantErr      error  // errors.Is
		wantText     string // in the error
	}{
		{"healthy", "/dev/sda", schema.Good, nil, ""},
		{"failing", "/dev/sdb", schema.Critical, nil, ""},
		{"asleep is a report, not an error", "/dev/sdd", schema.Unknown, nil, ""},
		{"refused on Windows", "/dev/sdc", "", fs.ErrPermission, "about its health"},
		{"refused to a user", "/dev/sde", "", fs.ErrPermission, "ask /dev/sde about its health"},
		{"no such device", "/dev/hearth-no-such-disk", "", fs.ErrNotExist, "The disk /dev/hearth-no-such-disk is not there any more"},
		// smartctl says "Unable to detect device type" both for a path that does not
		// exist and for a disk it cannot address; the file system tells them apart.
		{"unknown type, no such path", "/dev/hearth-gone-or-virtio", "", fs.ErrNotExist, "not there any more"},
		{"unknown type, device exists", "/dev/null", "", smart.ErrNoSMART, "This disk (/dev/null) does not report its health"},
		{"unknown USB bridge", "/dev/sdf", "", smart.ErrNoSMART, "(/dev/sdf) is in a USB case that does not pass on its health"},
		{"no recording", "/dev/sdq", "", fs.ErrNotExist, "no recording"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Read(ctx, tc.device)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if got.State != tc.wantState || got.Device == "" {
					t.Errorf("Read = %+v, want State %q and a device", got, tc.wantState)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantText) || strings.Contains(err.Error(), "smartctl") {
				t.Fatalf("Read error = %v, want one wrapping %v that says %q", err, tc.wantErr, tc.wantText)
			}
		})
	}
}

func TestRecordedPermissionNamesDevice(t *testing.T) {
	_, err := recordings(t).Read(t.Context(), "/dev/sde")
	var ae *smart.AccessError
	if !errors.As(err, &ae) || ae.Device != "/dev/sde" || !strings.Contains(err.Error(), "/dev/sde") {
		t.Fatalf("Read error = %v, want an *AccessError naming /dev/sde", err)
	}
	if !strings.Contains(ae.Detail, "Permission denied") {
		t.Errorf("Detail = %q, want smartctl's message", ae.Detail)
	}
}

func TestRecordedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := recordings(t).Read(ctx, "/dev/sda"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read with a cancelled context = %v, want context.Canceled", err)
	}
}
