// Package plainwords finds what in a text shown to a person looks like a program's words
// rather than a person's: Go error text, raw network errors, hashes, format slips, stack
// traces. Tests feed every text a UI shows to Find and fail on any match.
package plainwords

import "regexp"

// patterns are the Go-ish tells, each named by what it is.
var patterns = []struct {
	name string
	re   *regexp.Regexp
}{
	{"a raw network error", regexp.MustCompile(`\bdial (tcp|udp)\b|\bread tcp\b|\bwrite tcp\b|connection refused|connection reset by peer|\bi/o timeout\b|no such host`)},
	{"Go's context error", regexp.MustCompile(`context canceled|context deadline exceeded`)},
	{"Go's file error", regexp.MustCompile(`: no such file|: permission denied|: read-only file system|: no space left on device|: file exists|: is a directory|: not a directory`)},
	{"Go's EOF", regexp.MustCompile(`\b(unexpected )?EOF\b`)},
	{"a certificate error", regexp.MustCompile(`\bx509:|\btls:`)},
	{"an HTTP call", regexp.MustCompile(`\b(Post|Get|Put|Delete|Patch|Head) "`)},
	{"a hash or ID", regexp.MustCompile(`[0-9a-fA-F]{16,}`)},
	{"a format slip", regexp.MustCompile(`%!|<nil>`)},
	{"a crash", regexp.MustCompile(`\bpanic:|goroutine \d+ \[`)},
	{"an HTTP status", regexp.MustCompile(`\b[45]\d\d (Bad Request|Unauthorized|Forbidden|Not Found|Method Not Allowed|Conflict|Precondition Failed|Request Entity Too Large|Locked|Insufficient Storage|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b`)},
	{"a source line", regexp.MustCompile(`\.go:\d+`)},
}

// Find returns, for each Go-ish thing in text, what it is and the words that gave it
// away; nil when text is plain.
func Find(text string) []string {
	var out []string
	for _, p := range patterns {
		for _, m := range p.re.FindAllString(text, -1) {
			out = append(out, p.name+": "+m)
		}
	}
	return out
}
