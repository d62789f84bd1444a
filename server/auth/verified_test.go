package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// The hash checked for unknown names costs what a real user's does, or the answer's time
// would tell which names exist.
func TestDummyHashIsARealOne(t *testing.T) {
	h, err := parseHash(dummyHash)
	if err != nil {
		t.Fatal(err)
	}
	if h.memory != argonMemory || h.time != argonTime || h.threads != argonThreads || len(h.key) != argonKeyLen || len(h.salt) != saltLen {
		t.Errorf("the dummy hash's parameters %+v are not those of a new password's", h)
	}
}

// A password checked right is taken without argon2id for a while, but only while it is
// the user's password and the user exists; a wrong one is never remembered.
func TestVerifiedRemembered(t *testing.T) {
	ctx := context.Background()
	a := newAccounts(t)
	if _, err := a.Add(ctx, "ann", "first password", false); err != nil {
		t.Fatal(err)
	}
	hashed := func() int64 { return a.Stats().Hashed }
	verify := func(pw string, want error) {
		t.Helper()
		_, err := a.Verify(ctx, "ann", pw)
		if !errors.Is(err, want) {
			t.Fatalf("Verify(%q) = %v, want %v", pw, err, want)
		}
	}
	before := hashed()
	verify("first password", nil)
	verify("first password", nil)
	if _, ok := a.Known(ctx, "ANN", "first password"); !ok {
		t.Error("a password checked a moment ago is not known")
	}
	if n := hashed() - before; n != 1 {
		t.Errorf("three sign-ins with one password ran %d hashes, want 1", n)
	}

	before = hashed()
	verify("wrong password", ErrBadCredentials)
	verify("wrong password", ErrBadCredentials)
	if _, ok := a.Known(ctx, "ann", "wrong password"); ok {
		t.Error("a wrong password is known as right")
	}
	if n := hashed() - before; n != 2 {
		t.Errorf("two wrong passwords ran %d hashes, want 2: a wrong one must never be remembered", n)
	}

	if err := a.SetPassword(ctx, "ann", "second password"); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Known(ctx, "ann", "first password"); ok {
		t.Error("the old password is still known after it was changed")
	}
	verify("first password", ErrBadCredentials)
	verify("second password", nil)

	if err := a.Remove(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Known(ctx, "ann", "second password"); ok {
		t.Error("a removed user's password is still known")
	}
	verify("second password", ErrBadCredentials)
	// Made again with the same password: a new salt, so the old check does not hold.
	if _, err := a.Add(ctx, "ann", "second password", false); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Known(ctx, "ann", "second password"); ok {
		t.Error("a user made again is known by the check of the one removed")
	}
	a.mu.Lock()
	for _, v := range a.verified {
		if v.user == "ann" {
			t.Error("a removed user's check is still kept")
			break
		}
	}
	a.mu.Unlock()
}

// Many sign-ins with one password at once run one hash: the others wait for it and take
// its answer. (Each hash takes 64 MiB.)
func TestVerifiedAtOnce(t *testing.T) {
	ctx := context.Background()
	a := newAccounts(t)
	if _, err := a.Add(ctx, "ann", "first password", false); err != nil {
		t.Fatal(err)
	}
	before := a.Stats().Hashed
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := a.Verify(ctx, "ann", "first password"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := a.Stats().Hashed - before; n != 1 {
		t.Errorf("16 sign-ins at once ran %d hashes, want 1", n)
	}
}

// The digests checks are remembered by are keyed per process: the same password gives
// another digest in another process, so one read from memory cannot be tried offline.
func TestVerifiedKeyed(t *testing.T) {
	a, b := newAccounts(t), newAccounts(t)
	if a.verifiedKey("ann", "pw") == b.verifiedKey("ann", "pw") {
		t.Error("two processes' digests of one password are equal: not keyed")
	}
	if a.verifiedKey("ann", "pw") != a.verifiedKey("ANN", "pw") || a.verifiedKey("ann", "pw") == a.verifiedKey("ann", "pW") {
		t.Error("the digest does not follow the name without case and the password exactly")
	}
}
