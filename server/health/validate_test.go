package health

import (
	"encoding/json"
	"testing"

	"github.com/hearth-home/hearth/server/api/schema"
)

// FuzzValidate: whatever a PC sends, a report that passes validation is one the tray can
// show: known states and areas, unique IDs, titles present, words bounded.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`{"os":"linux","checks":[{"id":"firewall","area":"network","state":"warning","title":"Firewall","sentence":"off"}]}`))
	f.Add([]byte(`{"checks":[{"id":"a","area":"storage","state":"good","title":"t"},{"id":"a","area":"storage","state":"good","title":"t"}]}`))
	f.Add([]byte(`{"checks":[{"id":"","area":"x","state":"on fire"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r schema.PCReport
		if json.Unmarshal(data, &r) != nil || validate(r) != nil {
			return
		}
		ids := map[string]bool{}
		for _, c := range r.Checks {
			if ids[c.ID] || c.ID == "" || c.Title == "" || len(c.Title) > schema.MaxCheckText || len(c.Sentence) > schema.MaxCheckText || !knownArea(c.Area) || schema.Worse(c.State, schema.Critical) != schema.Critical {
				t.Fatalf("accepted %+v", c)
			}
			switch c.State {
			case schema.Good, schema.Unknown, schema.Warning, schema.Critical:
			default:
				t.Fatalf("accepted state %q", c.State)
			}
			ids[c.ID] = true
		}
		if len(r.Checks) > schema.MaxChecks {
			t.Fatalf("accepted %d checks", len(r.Checks))
		}
	})
}
