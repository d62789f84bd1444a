package console_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/auth"
)

// An administrator who has never seen a shell adds a user, makes a shared folder and
// gives the new user access to it, and adds a drive: each from the pages, each checked
// on the server itself.
func TestAdminRunsTheServerFromTheBrowser(t *testing.T) {
	s, disk := start(t)
	s.AddUser("dad", pw, true)
	x := newTab(t, s)
	x.signIn("/users", "dad", pw)

	// A user.
	x.set("#u-name", "kid")
	x.set("#u-pw", "a long password")
	x.set("#u-pw2", "a long password")
	x.submit("form[action='/users'] button")
	if got := x.flash(); !strings.Contains(got, "kid can sign in now") {
		t.Fatalf("after adding kid the page says %q", got)
	}
	users, err := s.Admin().Users(context.Background())
	if err != nil || !slices.ContainsFunc(users, func(u auth.User) bool { return u.Name == "kid" && !u.Admin }) {
		t.Fatalf("users on the server: %v, %v; want kid, not an administrator", users, err)
	}

	// A shared folder, and kid may read it.
	x.open("/shares")
	x.set("#s-name", "Taxes")
	x.set("#s-desc", "Papers for the tax return")
	x.submit("form[action='/shares'] button")
	if got := x.flash(); !strings.Contains(got, "Taxes is ready") {
		t.Fatalf("after adding Taxes the page says %q", got)
	}
	x.set(`select[name="a/Taxes/kid"]`, "read")
	x.submit("form[action='/access'] button")
	if got := x.flash(); !strings.Contains(got, "Saved: 1 change") {
		t.Fatalf("after setting access the page says %q", got)
	}
	access, err := s.Admin().Access(context.Background())
	if err != nil || !slices.Contains(access, admin.AccessEntry{Share: "Taxes", User: "kid", Level: "read"}) {
		t.Fatalf("access on the server: %v, %v; want kid to read Taxes", access, err)
	}

	// A drive: the disk the server sees mounted is offered.
	x.open("/storage")
	x.submit("form[action='/storage/drives'] input[value='" + disk + "'] + button")
	if got := x.flash(); !strings.Contains(got, "is in the pool now") {
		t.Fatalf("after adding a drive the page says %q", got)
	}
	drives, err := s.Admin().Drives(context.Background())
	if err != nil || !slices.ContainsFunc(drives, func(d poolDrive) bool { return d.Path == disk }) {
		t.Fatalf("drives on the server: %v, %v; want one at %s", drives, err, disk)
	}
	if n := x.eval(`document.querySelectorAll("form[action='/storage/drives'] input[type=hidden][name=path]").length`); n != float64(0) {
		t.Errorf("the disk is still offered after it was added (%v offers)", n)
	}
}
