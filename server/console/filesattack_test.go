package console_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
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

// An undo of a new folder or a copy takes away only what that change made: a file
// someone put there since (into the folder, or over the copy) stays, and the person is
// told so.
func TestUndoLeavesWhatOthersPutThere(t *testing.T) {
	for _, tc := range []struct {
		name    string
		op      string
		form    url.Values
		made    string // what the change made
		meddle  string // a file someone else writes there afterwards; "" for none
		changed bool
	}{
		{"new folder, untouched", "mkdir", url.Values{"dir": {"Documents"}, "name": {"Taxes"}}, "Documents/Taxes", "", false},
		{"new folder, then a file in it", "mkdir", url.Values{"dir": {"Documents"}, "name": {"Taxes"}}, "Documents/Taxes", "Documents/Taxes/2026.txt", true},
		{"copied file, then replaced", "copy", url.Values{"path": {"Documents/letter.txt"}, "to": {"Documents/Archive"}}, "Documents/Archive/letter.txt", "Documents/Archive/letter.txt", true},
		{"copied folder, then a file in it", "copy", url.Values{"path": {"Documents/Trip"}, "to": {"Documents/Archive"}}, "Documents/Archive/Trip", "Documents/Archive/Trip/new.txt", true},
		{"copied folder, untouched", "copy", url.Values{"path": {"Documents/Trip"}, "to": {"Documents/Archive"}}, "Documents/Archive/Trip", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := start(t)
			s.AddUser("mum", pw, false)
			p := s.App.Pool
			put(t, p, "Documents/letter.txt", []byte("Dear Gran"))
			put(t, p, "Documents/Trip/day1.txt", []byte("sun"))
			if _, err := p.Mkdir(t.Context(), "Documents/Archive", time.Time{}); err != nil {
				t.Fatal(err)
			}
			v := newVisitor(t, s)
			v.signIn("mum", pw)
			tc.form.Set("back", "/files/Documents/")
			if code, _, _ := v.post("/files/op/"+tc.op, tc.form); code != http.StatusSeeOther {
				t.Fatalf("%s: %d", tc.op, code)
			}
			if _, err := p.Stat(t.Context(), tc.made); err != nil {
				t.Fatalf("%s made nothing at %s: %v", tc.op, tc.made, err)
			}
			if tc.meddle != "" {
				put(t, p, tc.meddle, []byte("someone else's"))
			}
			v.post("/files/op/undo", url.Values{"back": {"/files/Documents/"}})
			_, page, _ := v.get("/files/Documents/")
			if !tc.changed {
				if _, err := p.Stat(t.Context(), tc.made); !errors.Is(err, pool.ErrNotFound) {
					t.Errorf("after the undo, %s: %v; want it gone", tc.made, err)
				}
				return
			}
			var got []byte
			f, err := p.Open(t.Context(), tc.meddle)
			if err == nil {
				got, err = io.ReadAll(f)
				f.Close()
			}
			if err != nil || string(got) != "someone else's" {
				t.Errorf("after the undo, the file someone put at %s: %q, %v", tc.meddle, got, err)
			}
			if !strings.Contains(page, "Someone changed it since") {
				t.Errorf("the page after the undo does not say it was left:\n%s", page)
			}
		})
	}
}
