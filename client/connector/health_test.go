package connector

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hearth-home/hearth/server/api/schema"
)

// TestTrim: a report with too many or too wordy checks is cut to what the server takes,
// without splitting a character.
func TestTrim(t *testing.T) {
	long := strings.Repeat("é", schema.MaxCheckText) // two bytes each
	var r schema.PCReport
	for i := range schema.MaxChecks + 5 {
		r.Checks = append(r.Checks, schema.Check{ID: string(rune('a' + i)), Title: "t", Sentence: long})
	}
	got := trim(r)
	if len(got.Checks) != schema.MaxChecks {
		t.Errorf("%d checks, want %d", len(got.Checks), schema.MaxChecks)
	}
	for _, c := range got.Checks {
		if len(c.Sentence) > schema.MaxCheckText || !utf8.ValidString(c.Sentence) || !strings.HasSuffix(c.Sentence, "…") {
			t.Fatalf("sentence of %d bytes, valid %v", len(c.Sentence), utf8.ValidString(c.Sentence))
		}
	}
	if r.Checks[0].Sentence != long {
		t.Error("trim changed the caller's report")
	}
}
