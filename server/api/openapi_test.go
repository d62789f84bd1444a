package api

import (
	"encoding/json"
	"regexp"
	"testing"
)

// TestOpenAPIRefsResolve: every schema the document refers to is in it, and every call
// names its path parameters, so a tool reading it (or a person) finds what it points at.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct{ Schemas map[string]json.RawMessage }
	}
	raw := openAPIDoc()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"#/components/schemas/([^"]+)"`).FindAllSubmatch(raw, -1) {
		if doc.Components.Schemas[string(m[1])] == nil {
			t.Errorf("the document refers to the schema %s, which it lacks", m[1])
		}
	}
	for path, item := range doc.Paths {
		want := len(regexp.MustCompile(`\{[^}]+\}`).FindAllString(path, -1))
		for method, raw := range item {
			var op struct {
				Parameters []struct{ Name, In string }
				Responses  map[string]json.RawMessage
			}
			json.Unmarshal(raw, &op)
			if len(op.Parameters) != want || len(op.Responses) < 3 {
				t.Errorf("%s %s: %d parameters (want %d), %d responses", method, path, len(op.Parameters), want, len(op.Responses))
			}
		}
	}
}
