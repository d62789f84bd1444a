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

// A folder moved into itself, or copied, is refused in words that say so: not as the
// server's own failure (which asks to look at Events, a page a family member has not).
func TestAFolderIsNotMovedIntoItself(t *testing.T) {
	s, _ := start(t)
	s.AddUser("kid", pw, false)
	put(t, s.App.Pool, "kid/f/sub/x.txt", []byte("x"))
	v := newVisitor(t, s)
	v.signIn("kid", pw)
	for _, op := range []string{"move", "copy"} {
		code, _, loc := v.post("/files/op/"+op, url.Values{"path": {"kid/f"}, "to": {"kid/f/sub"}, "back": {"/files/kid/"}})
		_, page, _ := v.get(loc)
		if code != http.StatusSeeOther || !strings.Contains(page, "into itself") {
			t.Errorf("%s a folder into itself: %d, the page says %q", op, code, flashOf(page))
		}
	}
	if list, _ := s.App.Pool.List(t.Context(), "kid/f/sub"); len(list) != 1 {
		t.Errorf("kid/f/sub holds %d entries after, want its x.txt alone", len(list))
	}
}

func flashOf(page string) string {
	if i := strings.Index(page, `class="flash`); i >= 0 {
		return page[i:min(len(page), i+200)]
	}
	return ""
}

// The last change is undone only by the person who made it: in a browser the family
// shares, the next person signed in is not offered mum's undo, and cannot take back
// what she did (here, a folder she made) by posting the form.
func TestUndoIsTheChangersOwn(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	s.AddUser("kid", pw, false)
	s.SetAccess("Documents", "kid", "full")
	v := newVisitor(t, s)
	v.signIn("mum", pw)
	if code, _, _ := v.post("/files/op/mkdir", url.Values{"dir": {"Documents"}, "name": {"Taxes"}, "back": {"/files/Documents/"}}); code != http.StatusSeeOther {
		t.Fatalf("mum's new folder: %d", code)
	}
	if _, page, _ := v.get("/files/Documents/"); !strings.Contains(page, "/files/op/undo") {
		t.Fatal("mum is not offered to undo her new folder")
	}
	v.post("/signout", nil)
	v.signIn("kid", pw)
	if _, page, _ := v.get("/files/Documents/"); strings.Contains(page, "/files/op/undo") {
		t.Error("kid is offered to undo mum's change")
	}
	v.post("/files/op/undo", url.Values{"back": {"/files/Documents/"}})
	if _, err := s.App.Pool.Stat(t.Context(), "Documents/Taxes"); err != nil {
		t.Errorf("after kid's undo, mum's folder: %v", err)
	}
}
