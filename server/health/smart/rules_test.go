package smart_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/health/smart"
)

// synth builds a smartctl output with the given exit status and top-level objects, for
// the rules no recorded disk shows.
func synth(t testing.TB, exit int, objs map[string]any) []byte {
	t.Helper()
	out := map[string]any{
		"json_format_version": []int{1, 0},
		"smartctl":            map[string]any{"exit_status": exit},
		"device":              map[string]any{"name": "/dev/sdx", "type": "sat", "protocol": "ATA"},
	}
	for k, v := range objs {
		out[k] = v
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func attrs(as ...map[string]any) map[string]any {
	return map[string]any{"table": as}
}

func attr(id int, name, whenFailed string, raw uint64) map[string]any {
	return map[string]any{"id": id, "name": name, "when_failed": whenFailed, "raw": map[string]any{"value": raw}}
}

func nvme(fields map[string]any) map[string]any {
	log := map[string]any{"critical_warning": 0, "available_spare": 100, "available_spare_threshold": 10,
		"percentage_used": 1, "media_errors": 0, "power_on_hours": 10}
	for k, v := range fields {
		log[k] = json.RawMessage(mustJSON(v))
	}
	return log
}

func mustJSON(v any) []byte {
	if s, ok := v.(json.RawMessage); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return b
}

var passed = map[string]any{"passed": true}

func TestDecodeRules(t *testing.T) {
	tests := []struct {
		name      string
		in        []byte
		wantState string
		want      []string
	}{
		{"attribute failed in the past", synth(t, 32, map[string]any{"smart_status": passed,
			"ata_smart_attributes": attrs(attr(3, "Spin_Up_Time", "past", 0))}),
			schema.Warning, []string{"The drive's Spin Up Time reading went past the maker's limit in the past. Keep an eye on it."}},
		{"bit 5 with no attribute table", synth(t, 32, map[string]any{"smart_status": passed}),
			schema.Warning, []string{"Some of the drive's vital signs went past the maker's limit in the past. Keep an eye on it."}},
		{"bit 4 with no attribute table", synth(t, 16, map[string]any{"smart_status": passed}),
			schema.Critical, []string{"Some of the drive's vital signs are past the maker's failure limit: it is failing. Move its files off now."}},
		{"unnamed attribute failing now", synth(t, 16, map[string]any{"smart_status": passed,
			"ata_smart_attributes": attrs(attr(200, "Unknown_Attribute", "now", 0))}),
			schema.Critical, []string{"The drive's attribute 200 reading is past the maker's failure limit: it is failing. Move its files off now."}},
		{"one offline uncorrectable sector", synth(t, 0, map[string]any{"smart_status": passed,
			"ata_smart_attributes": attrs(attr(198, "Offline_Uncorrectable", "", 1))}),
			schema.Warning, []string{"The drive has 1 sector it could not read or repair: some data on it may be lost. Plan to replace it."}},
		{"error log bit without a count", synth(t, 64, map[string]any{"smart_status": passed}),
			schema.Warning, []string{"The drive has recorded errors in its error log. Make sure its files are duplicated."}},
		{"self-test bit with the extended log", synth(t, 128, map[string]any{"smart_status": passed,
			"ata_smart_self_test_log": map[string]any{"extended": map[string]any{"error_count_total": 1}}}),
			schema.Warning, []string{"The drive failed 1 of its own self-tests. Plan to replace it."}},
		{"failing status and bit 3 say it once", synth(t, 8, map[string]any{"smart_status": map[string]any{"passed": false}}),
			schema.Critical, []string{failing}},
		{"failing bit with no status object", synth(t, 8, nil),
			schema.Critical, []string{failing}},
		{"nvme spare below threshold, and its warning bit", synth(t, 0, map[string]any{"smart_status": passed,
			"nvme_smart_health_information_log": nvme(map[string]any{"critical_warning": 1, "available_spare": 5})}),
			schema.Critical, []string{"The drive is running out of spare space to replace worn cells (5% left, its limit is 10%): it is failing. Move its files off now."}},
		{"nvme temperature warning alone", synth(t, 0, map[string]any{"smart_status": passed,
			"nvme_smart_health_information_log": nvme(map[string]any{"critical_warning": 2})}),
			schema.Warning, []string{"The drive says its temperature is outside its safe range. Check that the box's fan turns and air can flow around it."}},
		{"nvme degraded, read-only, backup failed", synth(t, 8, map[string]any{"smart_status": map[string]any{"passed": false},
			"nvme_smart_health_information_log": nvme(map[string]any{"critical_warning": 0x1c})}),
			schema.Critical, []string{failing,
				"The drive says its reliability is degraded by internal errors. Move its files off now.",
				"The drive has made itself read-only to protect its data. Move its files off now.",
				"The drive's power-loss protection has failed, so a power cut could lose data. Move its files off now."}},
		{"nvme 90% worn", synth(t, 0, map[string]any{"smart_status": passed,
			"nvme_smart_health_information_log": nvme(map[string]any{"percentage_used": 90})}),
			schema.Warning, []string{"The drive has used 90% of its rated write life. Plan to replace it."}},
		{"nvme past its rated life", synth(t, 0, map[string]any{"smart_status": passed,
			"nvme_smart_health_information_log": nvme(map[string]any{"percentage_used": 104})}),
			schema.Warning, []string{"The drive has used up its rated write life (104%). Replace it soon."}},
		{"nvme 128-bit counter saturates", synth(t, 0, map[string]any{"smart_status": passed,
			"nvme_smart_health_information_log": nvme(map[string]any{"media_errors": json.RawMessage("340282366920938463463374607431768211455")})}),
			schema.Warning, []string{"The drive has had 18446744073709551615 media errors (data it could not read back correctly): it may be wearing out. Make sure its files are duplicated."}},
		{"standby message without the exit bit is not sleep", synth(t, 0, map[string]any{"smart_status": passed,
			"smartctl": map[string]any{"exit_status": 0, "messages": []any{map[string]any{"string": "Device is in STANDBY mode, exit(2)", "severity": "information"}}}}),
			schema.Good, nil},
		{"open failure without a message", synth(t, 2, map[string]any{"device": nil}),
			schema.Unknown, []string{"The server could not open the drive to ask about its health."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := smart.Decode(tc.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.State != tc.wantState {
				t.Errorf("State = %q, want %q", got.State, tc.wantState)
			}
			if diff := cmp.Diff(tc.want, got.Problems); diff != "" {
				t.Errorf("Problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	ata, err := os.ReadFile(filepath.Join("testdata", "smart-ata.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"text output of an old smartctl", []byte("smartctl 6.6 2016-05-31 r4324\n=======> UNRECOGNIZED OPTION: j\n")},
		{"null", []byte("null")},
		{"an array", []byte("[1,2]")},
		{"an empty object", []byte("{}")},
		{"cut short", ata[:len(ata)/2]},
		{"format version 2", []byte(`{"json_format_version":[2,0],"smartctl":{"exit_status":0}}`)},
		{"exit status not a byte", []byte(`{"smartctl":{"exit_status":256}}`)},
		{"negative exit status", []byte(`{"smartctl":{"exit_status":-1}}`)},
		{"passed is not a bool", []byte(`{"device":{"name":"/dev/sda"},"smart_status":{"passed":"yes"}}`)},
		{"negative media errors", synth(t, 0, map[string]any{"nvme_smart_health_information_log": nvme(map[string]any{"media_errors": -1})})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if r, err := smart.Decode(tc.in); err == nil {
				t.Errorf("Decode = %+v, want an error", r)
			}
		})
	}
}

// FuzzDecode checks that no input panics, and that whatever decodes keeps the promises
// callers rely on.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"smartctl":{"exit_status":255},"nvme_smart_health_information_log":{"media_errors":1e400}}`))
	f.Add([]byte(`{"json_format_version":[],"device":{}}`))
	states := []string{schema.Good, schema.Unknown, schema.Warning, schema.Critical}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := smart.Decode(b)
		if err != nil {
			return
		}
		if !slices.Contains(states, r.State) {
			t.Fatalf("State %q is not a health state", r.State)
		}
		if (r.State == schema.Good) != (len(r.Problems) == 0) {
			t.Fatalf("State %q with problems %q: a problem is never good, and only good has none", r.State, r.Problems)
		}
		if r.Asleep && r.State != schema.Unknown {
			t.Fatalf("asleep but State %q", r.State)
		}
	})
}
