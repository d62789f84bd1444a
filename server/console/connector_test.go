package console_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/internal/joincode"
)

var codeOnPage = regexp.MustCompile(`data-code>([0-9A-Z-]+)<`)

// Get the connector makes a join code, shown once, that pins this server's authority:
// for the person signed in, or for the user an administrator chooses; the fingerprint
// for joining without a code is the authority's, as the connector shows it.
func TestJoinCodeOnConnectorPage(t *testing.T) {
	s, _ := start(t)
	s.AddUser("dad", pw, true)
	s.AddUser("mum", pw, false)
	s.AddUser("kid", pw, false)
	info, err := s.Admin().Server(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who, forWhom, want string
	}{
		{"mum", "", "mum"},
		{"mum", "kid", "mum"}, // not an administrator: her own, whatever the form says
		{"dad", "kid", "kid"},
	} {
		v := newVisitor(t, s)
		v.signIn(tc.who, pw)
		_, page, _ := v.get("/connector")
		if !strings.Contains(page, info.CAFingerprint[:16]) {
			t.Errorf("the page does not give the start of the authority's fingerprint %s", info.CAFingerprint[:16])
		}
		if got := strings.Contains(page, `<select name="user">`); got != (tc.who == "dad") {
			t.Errorf("%s is offered to choose whom the code is for: %v", tc.who, got)
		}
		code, page, _ := v.post("/connector/code", url.Values{"user": {tc.forWhom}})
		m := codeOnPage.FindStringSubmatch(page)
		if code != 200 || m == nil {
			t.Fatalf("%s makes a code: %d\n%s", tc.who, code, page)
		}
		c, err := joincode.Parse(m[1])
		if err != nil || !c.Matches(info.CAFingerprint) {
			t.Errorf("the code %s does not pin the server's authority: %v", m[1], err)
		}
		if !strings.Contains(page, "The join code for "+tc.want) {
			t.Errorf("%s's code (for %q) is not %s's", tc.who, tc.forWhom, tc.want)
		}
		if _, again, _ := v.get("/connector"); strings.Contains(again, m[1]) {
			t.Error("the code is shown again")
		}
	}
}
