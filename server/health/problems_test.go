package health

import (
	"regexp"
	"strings"
	"testing"
)

// TestEveryProblemReads: each declared problem, raised with the words its condition
// gives, leaves no {word} unfilled and says something.
func TestEveryProblemReads(t *testing.T) {
	words := map[string]string{"drive": "Drive 2", "path": "/mnt/d2", "reason": " (input/output error)", "model": "WDC WD40",
		"detail": "It is failing.", "free": "1 GiB", "total": "4 TiB", "percent": "1%", "count": "3 files", "are": "are",
		"example": "Pictures/cat.jpg", "when": "40 days ago", "pc": "Mum's laptop", "title": "Firewall", "sentence": "It is off.",
		"service": "The web server", "times": "once", "name": "USB disk", "target": "/media/usb"}
	unfilled := regexp.MustCompile(`\{[a-z]+\}`)
	for code := range problems() {
		a := raise(code, "Drive 2", words)
		if s := a.Title + " " + a.Sentence; unfilled.MatchString(s) || strings.TrimSpace(a.Sentence) == "" || a.Code != code {
			t.Errorf("%s: %q / %q", code, a.Title, a.Sentence)
		}
		if h := problems()[code].Hidden; h != "" {
			if s := replacer(words).Replace(h); unfilled.MatchString(s) || strings.Contains(s, words["example"]) {
				t.Errorf("%s, for a viewer who may open none of the files: %q", code, s)
			}
		}
	}
}

// TestNoProblemNamesACommand: the alerts reach the tray and the web console of every
// family member; each says what to do in the pages and windows they have, never as a
// command to type.
func TestNoProblemNamesACommand(t *testing.T) {
	command := regexp.MustCompile(`'(hearthd?|sudo)\b|\bhearthd [a-z]+ [a-z]+`)
	for code, p := range problems() {
		for _, s := range []string{p.Title, p.Sentence, p.Hidden} {
			if command.MatchString(s) {
				t.Errorf("%s says %q, which names a command", code, s)
			}
		}
	}
}
