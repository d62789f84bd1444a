package auth

import (
	"errors"
	"testing"
	"time"
)

// A join code is claimed by one join at a time, used up by a join that worked, given
// back by one that failed, and gone after its hour.
func TestJoinCodes(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	j := NewJoinCodes(func() time.Time { return now })
	mum := User{Name: "mum", Created: now.Add(-time.Hour)}
	c, exp, err := j.Make(mum, "AA:BB")
	if err != nil || !exp.Equal(now.Add(JoinCodeLife)) || !c.Matches("AA:BB") {
		t.Fatalf("Make: %v, expires %v, matches %v", err, exp, c.Matches("AA:BB"))
	}
	u, done, err := j.Claim(c.Secret())
	if err != nil || u != mum {
		t.Fatalf("Claim: %v, %v", u, err)
	}
	if _, _, err := j.Claim(c.Secret()); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("a second join at once with the same code: %v", err)
	}
	done(false)
	_, done, err = j.Claim(c.Secret())
	if err != nil {
		t.Fatalf("the code was not given back after a failed join: %v", err)
	}
	done(true)
	if _, _, err := j.Claim(c.Secret()); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("a used code: %v", err)
	}
	for _, secret := range []string{"", "00000000", c.Secret() + "0", "mum"} {
		if _, _, err := j.Claim(secret); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Claim(%q): %v", secret, err)
		}
	}
	old, _, _ := j.Make(mum, "AA:BB")
	now = now.Add(JoinCodeLife)
	if _, _, err := j.Claim(old.Secret()); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("a code an hour old: %v", err)
	}
	if len(j.codes) != 0 {
		t.Errorf("%d codes kept after their hour", len(j.codes))
	}
}

// Making codes cannot fill the server's memory.
func TestJoinCodesBounded(t *testing.T) {
	j := NewJoinCodes(nil)
	for range maxJoinCodes {
		if _, _, err := j.Make(User{Name: "kid"}, "AA"); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := j.Make(User{Name: "kid"}, "AA"); !errors.Is(err, ErrTooManyJoinCodes) {
		t.Errorf("code %d: %v", maxJoinCodes+1, err)
	}
}
