package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The Files forms go back to a page of Files, never to another site, whatever the
// `back` field holds: "/files/../\evil.example" starts like a page of Files, but the
// redirect made it "/\evil.example", which a browser reads as "//evil.example".
func TestFilesGoBackOnlyToFiles(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	for _, back := range []string{`/files/../\evil.example`, "/files/../\t/evil.example", "/files/..//evil.example",
		"/files/../\n/evil.example", "https://evil.example/files/", "//evil.example/files/", "/files/../users"} {
		code, _, loc := v.post("/files/op/undo", url.Values{"back": {back}})
		if code != http.StatusSeeOther || (loc != "/files" && !strings.HasPrefix(loc, "/files/")) || strings.ContainsAny(loc, "\\\t\n\r") {
			t.Errorf("back %q: %d to %q, want a page of Files", back, code, loc)
		}
	}
}
