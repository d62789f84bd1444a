package dav_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestLocksBelongToTheirOwner: alice locks a file; bob, with full access and her token
// read from lockdiscovery, can neither write, delete, move, patch, refresh nor unlock
// through it (403, naming her), also after a restart; she still can; an administrator
// cannot write through it either but can lift it (the explicit way to break a lock).
func TestLocksBelongToTheirOwner(t *testing.T) {
	s := family(t)
	s.AddUser("alice", pw, false)
	s.SetAccess("Public", "alice", "full")
	s.SetAccess("Public", "dad", "full")
	writeFile(t, s, "Public/doc.txt", "alice's")
	resp, _ := s.Do("alice", pw, "LOCK", "/dav/Public/doc.txt", strings.NewReader(lockBody), "Timeout", "Second-3600")
	token := strings.Trim(resp.Header.Get("Lock-Token"), "<>")
	if resp.StatusCode != 200 || token == "" {
		t.Fatalf("alice's LOCK: %d, token %q", resp.StatusCode, token)
	}
	if found := discovered(t, s, "full"); found != token {
		t.Fatalf("bob reads the token %q in lockdiscovery, want %q", found, token)
	}
	ifToken := "(<" + token + ">)"
	refused := func(when string) {
		t.Helper()
		dst := s.URL + "/dav/Public/moved.txt"
		for _, c := range []struct {
			method string
			hdr    []string
			body   string
		}{
			{"PUT", []string{"If", ifToken}, "bob's"},
			{"PUT", []string{"If", "<" + s.URL + "/dav/Public/doc.txt> " + ifToken}, "bob's"},
			{"DELETE", []string{"If", ifToken}, ""},
			{"MOVE", []string{"If", ifToken, "Destination", dst}, ""},
			{"PROPPATCH", []string{"If", ifToken}, proppatchBody},
			{"LOCK", []string{"If", ifToken, "Timeout", "Second-60"}, ""},
			{"UNLOCK", []string{"Lock-Token", "<" + token + ">"}, ""},
		} {
			resp, body := s.Do("full", pw, c.method, "/dav/Public/doc.txt", strings.NewReader(c.body), c.hdr...)
			if resp.StatusCode != 403 || !strings.Contains(body, "belongs to alice") {
				t.Errorf("%s: bob's %s %v through alice's lock: %d %q, want 403", when, c.method, c.hdr, resp.StatusCode, body)
			}
		}
		if b, _ := readFile(t, s, "Public/doc.txt"); b != "alice's" {
			t.Errorf("%s: the file is now %q", when, b)
		}
		if discovered(t, s, "full") != token {
			t.Errorf("%s: alice's lock is gone", when)
		}
	}
	refused("before a restart")
	s.Restart()
	refused("after a restart")

	if resp, _ := s.Do("alice", pw, "PUT", "/dav/Public/doc.txt", strings.NewReader("alice's 2"), "If", ifToken); resp.StatusCode != 204 {
		t.Errorf("alice's PUT through her lock: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("alice", pw, "LOCK", "/dav/Public/doc.txt", nil, "If", ifToken, "Timeout", "Second-60"); resp.StatusCode != 200 {
		t.Errorf("alice's refresh: %d", resp.StatusCode)
	}
	if resp, _ := s.Do("dad", pw, "PUT", "/dav/Public/doc.txt", strings.NewReader("dad's"), "If", ifToken); resp.StatusCode != 403 {
		t.Errorf("the administrator's PUT through alice's lock: %d, want 403", resp.StatusCode)
	}
	if resp, _ := s.Do("dad", pw, "UNLOCK", "/dav/Public/doc.txt", nil, "Lock-Token", "<"+token+">"); resp.StatusCode != 204 {
		t.Errorf("the administrator's UNLOCK: %d, want 204", resp.StatusCode)
	}
	if found := discovered(t, s, "full"); found != "" {
		t.Errorf("the lock is still there: %q", found)
	}
	if b, _ := readFile(t, s, "Public/doc.txt"); b != "alice's 2" {
		t.Errorf("the file is %q", b)
	}
}

// discovered is the first lock token user reads in a file's lockdiscovery.
func discovered(t *testing.T, s *apptest.Server, user string) string {
	t.Helper()
	_, body := s.Do(user, pw, "PROPFIND", "/dav/Public/doc.txt", strings.NewReader(`<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>`), "Depth", "0")
	if m := regexp.MustCompile(`<D:locktoken><D:href>([^<]+)</D:href>`).FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}
