package auth

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

func newAccounts(t *testing.T) *Accounts {
	cat, err := catalog.Open(context.Background(), filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return NewAccounts(cat, nil)
}

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
		t.Errorf("hash %q is not argon2id with the chosen parameters", h)
	}
	if !checkPassword(h, "correct horse") || checkPassword(h, "correct horsf") || checkPassword(h, "") {
		t.Error("checkPassword accepts the wrong password or refuses the right one")
	}
	if h2, _ := hashPassword("correct horse"); h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=65536,t=1,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=99999999,t=1,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"} {
		if checkPassword(bad, "x") {
			t.Errorf("accepted hash %q", bad)
		}
	}
}

func FuzzParseHash(f *testing.F) {
	h, _ := hashPassword("x")
	f.Add(h)
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseHash(s)
		if err == nil && (p.memory > 1<<20 || p.time > 16 || p.threads > 16 || len(p.key) > 64) {
			t.Errorf("accepted costly parameters %+v", p)
		}
	})
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	a := newAccounts(t)
	if _, err := a.Add(ctx, "Dad", "correct horse", true); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, pw string
		want     error
	}{
		{"dad", "another one", ErrUserExists}, // names compare without case
		{"../x", "correct horse", ErrBadName},
		{"", "correct horse", ErrBadName},
		{"kid", "short", ErrWeakPassword},
	} {
		if _, err := a.Add(ctx, c.name, c.pw, false); !errors.Is(err, c.want) {
			t.Errorf("Add(%q): %v, want %v", c.name, err, c.want)
		}
	}
	if u, err := a.Verify(ctx, "DAD", "correct horse"); err != nil || u.Name != "Dad" || !u.Admin {
		t.Errorf("Verify: %+v %v", u, err)
	}
	if _, err := a.Verify(ctx, "dad", "wrong"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("wrong password: %v", err)
	}
	if err := a.Remove(ctx, "dad"); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("removing the last administrator: %v", err)
	}
	a.Add(ctx, "kid", "correct horse", false)
	tok, err := a.NewToken(ctx, "kid", "tablet")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := a.VerifyToken(ctx, tok); err != nil || u.Name != "kid" {
		t.Errorf("token: %+v %v", u, err)
	}
	if _, err := a.Verify(ctx, "dad", tok); !errors.Is(err, ErrBadCredentials) {
		t.Error("kid's token opens dad's account")
	}
	if err := a.Remove(ctx, "kid"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.VerifyToken(ctx, tok); !errors.Is(err, ErrBadCredentials) {
		t.Error("a removed user's token still works")
	}
	if _, err := a.Verify(ctx, "kid", "correct horse"); !errors.Is(err, ErrBadCredentials) {
		t.Error("a removed user can still sign in (cached check)")
	}
}

// TestGuard walks a guessing source through the delays and the lockout on a fake clock.
func TestGuard(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	g := NewGuard()
	g.Now = func() time.Time { return now }
	ip := "203.0.113.9"
	if v := check(t, g, ip); v != (Verdict{}) {
		t.Fatalf("a new source: %+v", v)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 25 * time.Second, 25 * time.Second}
	for i, w := range want {
		if g.Failed(ip, "dad") {
			t.Fatalf("locked out after %d failures", i+1)
		}
		if v := check(t, g, ip); v.Locked || v.Wait != w {
			t.Errorf("after %d failures: %+v, want a wait of %v", i+1, v, w)
		}
		now = now.Add(w)
	}
	if !g.Failed(ip, "dad") {
		t.Fatal("not locked out after 10 failures in 10 minutes")
	}
	if v := check(t, g, ip); !v.Locked || v.Wait != 15*time.Minute {
		t.Errorf("locked out: %+v", v)
	}
	if !g.LockedOut(ip) || g.LockedOut("198.51.100.1") {
		t.Errorf("LockedOut: %v for the source, %v for another", g.LockedOut(ip), g.LockedOut("198.51.100.1"))
	}
	g.Succeeded(ip, "dad") // a right password during the lockout does not lift it
	if v := check(t, g, "198.51.100.1"); v != (Verdict{}) {
		t.Errorf("another source is affected: %+v", v)
	}
	now = now.Add(15 * time.Minute)
	if v := check(t, g, ip); v.Locked || v.Wait != 0 {
		t.Errorf("after the lockout: %+v", v)
	}
	// Failures spread out wider than the window never lock out.
	for range 30 {
		g.Failed(ip, "dad")
		now = now.Add(2 * time.Minute)
		if v := check(t, g, ip); v.Locked {
			t.Fatal("locked out by slow failures")
		}
	}
}

func check(t *testing.T, g *Guard, addr string) Verdict {
	t.Helper()
	v, err := g.Check(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGuardParallel: attempts being checked are not failures: a burst with the right
// password starts at once, unslowed. But no more start than could fail before the
// lockout, and after a failure one at a time: the rest wait their turn (not refused).
func TestGuardParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := NewGuard()
		g.LockAfter = 3
		ip := "203.0.113.9"
		for i := range 3 {
			if v := check(t, g, ip); v != (Verdict{}) {
				t.Fatalf("attempt %d of a burst from a clean source: %+v, want to go at once", i+1, v)
			}
		}
		// A fourth could be the third failure too many: it waits for a verdict.
		fourth := make(chan Verdict, 1)
		go func() { fourth <- check(t, g, ip) }()
		synctest.Wait()
		if len(fourth) != 0 {
			t.Fatal("a fourth attempt started while three were being checked (LockAfter 3)")
		}
		g.Succeeded(ip, "dad")
		synctest.Wait()
		if v := <-fourth; v != (Verdict{}) {
			t.Errorf("the fourth attempt after a success: %+v", v)
		}
		// Three attempts are being checked again. Two fail; after a failure the source
		// checks one at a time.
		g.Failed(ip, "dad")
		g.Failed(ip, "dad")
		next := make(chan Verdict, 1)
		go func() { next <- check(t, g, ip) }()
		synctest.Wait()
		if len(next) != 0 {
			t.Fatal("an attempt started beside another while the source has failures")
		}
		if !g.Failed(ip, "dad") {
			t.Fatal("three failures did not lock the source out")
		}
		synctest.Wait()
		if v := <-next; !v.Locked {
			t.Errorf("the waiting attempt after the lockout: %+v, want Locked", v)
		}
		// One that gives up waiting is not counted.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		g2 := NewGuard()
		g2.LockAfter = 1
		check(t, g2, ip)
		if _, err := g2.Check(ctx, ip); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("waiting past the context's end: %v", err)
		}
	})
}

// TestGuardOwnSignIn: signing in as oneself forgets one's own mistakes, not the wrong
// guesses at someone else's password from the same address.
func TestGuardOwnSignIn(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	g := NewGuard()
	g.Now = func() time.Time { return now }
	ip := "192.168.1.20"
	check(t, g, ip)
	g.Failed(ip, "mum")
	check(t, g, ip)
	g.Succeeded(ip, "Mum")
	if v := check(t, g, ip); v != (Verdict{}) {
		t.Errorf("mum mistyped once, then signed in: the next attempt is still slowed: %+v", v)
	}
	g.Succeeded(ip, "mum")
	for i := range g.LockAfter - 1 {
		check(t, g, ip)
		if g.Failed(ip, "dad") {
			t.Fatalf("locked out after %d guesses", i+1)
		}
		check(t, g, ip)
		g.Succeeded(ip, "kid") // the guesser signs in as themself in between
		now = now.Add(30 * time.Second)
	}
	if v := check(t, g, ip); v.Locked {
		t.Fatalf("locked before the last guess: %+v", v)
	}
	if !g.Failed(ip, "dad") {
		t.Error("guesses at dad's password, with the guesser's own sign-ins in between, never lock the address out")
	}
}

// TestDeviceBoundToPC: a PC's token carries the PC it joined as, through both ways of
// signing in with it, into the principal's rules; a token made for a phone acts for no
// PC; and a PC name another user (or another spelling) holds is refused at join.
func TestDeviceBoundToPC(t *testing.T) {
	ctx := context.Background()
	a := newAccounts(t)
	for _, n := range []string{"alice", "bob"} {
		if _, err := a.Add(ctx, n, "correct horse", false); err != nil {
			t.Fatal(err)
		}
	}
	_, laptop, err := a.NewDevice(ctx, "alice", "alice-laptop", "alice-laptop", nil)
	if err != nil {
		t.Fatal(err)
	}
	phone, err := a.NewToken(ctx, "alice", "phone")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ token, pc string }{{laptop, "alice-laptop"}, {phone, ""}} {
		u1, err1 := a.VerifyToken(ctx, c.token)
		u2, err2 := a.Verify(ctx, "alice", c.token)
		if err1 != nil || err2 != nil || u1.PC != c.pc || u2.PC != c.pc || !u1.ByToken || !u2.ByToken {
			t.Errorf("token for %q: %+v %v, %+v %v", c.pc, u1, err1, u2, err2)
		}
	}
	if u, _ := a.Verify(ctx, "alice", "correct horse"); u.ByToken || u.PC != "" {
		t.Errorf("password sign-in: %+v", u)
	}
	pr := Principal{Name: "alice", ByToken: true, PC: "alice-laptop"}
	if !pr.OwnPC("alice-laptop") || pr.OwnPC("alice-desktop") || pr.OwnPC("Alice-Laptop") || pr.MayLetGo("alice") {
		t.Error("a laptop's token may act for another PC, or let backups go")
	}
	if (Principal{Name: "dad", Admin: true, ByToken: true}).OwnPC("") || (Principal{Name: "dad", Admin: true, ByToken: true, PC: "x"}).MayLetGo("alice") {
		t.Error("an administrator's token acts beyond its PC")
	}
	if pw := (Principal{Name: "alice"}); !pw.OwnPC("alice-desktop") || !pw.MayLetGo("Alice") || pw.MayLetGo("bob") {
		t.Error("a password sign-in's rules are wrong")
	}
	for _, c := range []struct {
		user, pc string
		yours    bool
	}{{"bob", "Alice-Laptop", false}, {"bob", "alice-laptop", false}, {"alice", "ALICE-laptop", true}} {
		_, _, err := a.NewDevice(ctx, c.user, c.pc, c.pc, nil)
		var taken *PCTakenError
		if !errors.As(err, &taken) || !errors.Is(err, ErrPCTaken) || taken.PC != "alice-laptop" || taken.Yours != c.yours {
			t.Errorf("%s joins as %s: %v", c.user, c.pc, err)
		}
	}
	if _, _, err := a.NewDevice(ctx, "alice", "alice-laptop", "alice-laptop", nil); err != nil {
		t.Errorf("alice joins her laptop again: %v", err)
	}
	if _, _, err := a.NewDevice(ctx, "bob", "bob's phone", "", nil); err != nil {
		t.Errorf("a device that backs nothing up: %v", err)
	}
	ds, _ := a.Devices(ctx)
	if len(ds) != 4 {
		t.Errorf("%d devices, want 4", len(ds))
	}
}

// TestPCNameFree: the one rule for PC names, as both a PC joining and a PC's first backup
// apply it. The PC that backs up under a name holds it over any device that joined with it
// (a leftover token of bob's spelled "Alice-Laptop" must not lock alice out of her own
// backed-up laptop); the exact spelling decides before other spellings; another spelling
// of a name is refused, naming the spelling that holds it, whether the holder is the user
// or someone else.
func TestPCNameFree(t *testing.T) {
	laptop := []PCHolder{{PC: "alice-laptop", User: "alice"}}
	bobsOld := []PCHolder{{PC: "Alice-Laptop", User: "bob"}}
	for _, c := range []struct {
		why              string
		user, pc         string
		backedUp, joined []PCHolder
		taken            string // "" when allowed
		yours            bool
	}{
		{why: "a name nobody holds", user: "alice", pc: "alice-laptop"},
		{why: "the owner's exact name", user: "alice", pc: "alice-laptop", backedUp: laptop, joined: laptop},
		{why: "the owner, past another user's leftover token", user: "Alice", pc: "alice-laptop", backedUp: laptop, joined: bobsOld},
		{why: "the leftover token's holder, against the backups' owner", user: "bob", pc: "Alice-Laptop", backedUp: laptop, joined: bobsOld, taken: "alice-laptop"},
		{why: "the exact name over another spelling, among devices", user: "alice", pc: "alice-laptop", joined: append(append([]PCHolder{}, bobsOld...), laptop...)},
		{why: "the exact name over another spelling, among backups", user: "alice", pc: "alice-laptop", backedUp: append(append([]PCHolder{}, bobsOld...), laptop...)},
		{why: "the owner's name spelled otherwise (backed up)", user: "alice", pc: "ALICE-LAPTOP", backedUp: laptop, taken: "alice-laptop", yours: true},
		{why: "the owner's name spelled otherwise (joined)", user: "alice", pc: "ALICE-LAPTOP", joined: laptop, taken: "alice-laptop", yours: true},
		{why: "another's name, exactly (backed up)", user: "bob", pc: "alice-laptop", backedUp: laptop, taken: "alice-laptop"},
		{why: "another's name, spelled otherwise (backed up)", user: "bob", pc: "Alice-Laptop", backedUp: laptop, taken: "alice-laptop"},
		{why: "another's name, spelled otherwise (joined)", user: "bob", pc: "ALICE-laptop", joined: laptop, taken: "alice-laptop"},
		{why: "the first device's spelling is named", user: "carol", pc: "ALICE-LAPTOP", joined: append(append([]PCHolder{}, bobsOld...), laptop...), taken: "Alice-Laptop"},
	} {
		err := PCNameFree(c.user, c.pc, c.backedUp, c.joined)
		var taken *PCTakenError
		switch {
		case c.taken == "" && err != nil:
			t.Errorf("%s: %v; want it allowed", c.why, err)
		case c.taken != "" && (!errors.As(err, &taken) || !errors.Is(err, ErrPCTaken) || taken.PC != c.taken || taken.Yours != c.yours):
			t.Errorf("%s: %v; want it refused naming %q (yours %v)", c.why, err, c.taken, c.yours)
		case c.taken != "" && c.yours && !strings.Contains(err.Error(), `You already have a PC called "`+c.taken+`"`):
			t.Errorf("%s: %q does not name the user's own spelling", c.why, err)
		}
	}
}

// TestDeviceNames: a device's name is shown in lists and terminals as it is, so one that
// would not show as itself is refused: a terminal escape, NUL, a right-to-left override
// that reverses what follows, bytes that are not UTF-8 (found by the re-attack, issue 17).
func TestDeviceNames(t *testing.T) {
	ctx := context.Background()
	a := newAccounts(t)
	if _, err := a.Add(ctx, "alice", "correct horse", false); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Alice's laptop", true},
		{"Küchen-PC 2", true},
		{"ноутбук", true},
		{"pc\x1b[31mRED\x1b[0m", false},
		{"pc\x1b]0;owned-title\x07", false},
		{"nul\x00byte", false},
		{"a\u202egnp.exe", false},
		{"zero\u200bwidth", false},
		{"bad\xffutf8", false},
		{"", true}, // hearthd user token without -label
		{strings.Repeat("x", 201), false},
	} {
		_, err := a.NewToken(ctx, "alice", c.name)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrBadDeviceName)) {
			t.Errorf("device name %q: %v, want ok=%v", c.name, err, c.ok)
		}
	}
}
