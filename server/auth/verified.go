package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

// An argon2id hash is the one costly part of a sign-in: 64 MiB and about 0.1 s. A small
// box (1–2 GiB of RAM) must not pay that many times at once, nor for every request of a
// PC that opens a folder of photos with its password. So hashes run one at a time, the
// memory each took goes back to the system at once, and a password checked right is
// remembered for a few minutes.

// verifiedFor is how long a password checked right is taken without a new check.
const verifiedFor = 5 * time.Minute

// maxVerified bounds the remembered checks; past it they are all forgotten (everyone's
// next request is checked again) rather than the map growing without end.
const maxVerified = 1024

type verifiedEntry struct {
	user  string // whose password, so a change of it forgets the entry at once
	hash  string // the user's hash it was checked against
	until time.Time
}

// dummyHash is checked for names that do not exist, so the answer's time does not tell
// which names do. It is made as hashPassword makes one (a test holds it to the same
// parameters), of a password no one knows, and written here so that no hash runs at
// start: it would cost 64 MiB each time hearthd starts.
const dummyHash = "$argon2id$v=19$m=65536,t=1,p=2$h3maV62gL1bnlA5wYrx5UQ$CXrGZMt+2bjR5jrvHwalGD3GJgRj+RK3mYNoYbgAcG8"

// AccountStats counts the work of password checks since the accounts were opened.
type AccountStats struct {
	Hashed     int64 // argon2id hashes run: checks of passwords and secrets, new passwords
	Remembered int64 // passwords taken as right because they were checked lately
}

// Stats returns the counts so far.
func (a *Accounts) Stats() AccountStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.stats
}

// argon runs fn, which hashes with argon2id (and reports whether it did), when no other
// hash is running, and gives back the memory the hash took before the next may start:
// left to the garbage collector, each hash's 64 MiB would wait for a collection while
// the next allocated its own, and stay resident long after. The error is ctx's, when it
// ended while waiting for the turn.
func (a *Accounts) argon(ctx context.Context, fn func() bool) error {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-a.hashing }()
	if fn() {
		a.mu.Lock()
		a.stats.Hashed++
		a.mu.Unlock()
		debug.FreeOSMemory()
	}
	return nil
}

// newHash hashes a new password or secret, in its turn.
func (a *Accounts) newHash(ctx context.Context, pw string) (hash string, err error) {
	if werr := a.argon(ctx, func() bool { hash, err = hashPassword(pw); return true }); werr != nil {
		return "", werr
	}
	return hash, err
}

// check checks secret as u's password (never a device token: see tokenUser).
func (a *Accounts) check(ctx context.Context, u catalog.User, secret string) (bool, error) {
	if a.remembered(u, secret) {
		return true, nil
	}
	var ok bool
	err := a.argon(ctx, func() bool {
		// The requests of a PC opening a folder arrive together, and all but the first
		// wait here while it is checked: they need no hash of their own.
		if ok = a.remembered(u, secret); ok {
			return false
		}
		if ok = checkPassword(u.Hash, secret); ok {
			a.remember(u, secret)
		}
		return true
	})
	return ok, err
}

// verifiedKey is the keyed digest verified is kept by: never the password itself, nor
// a digest of it that could be tried against guesses without the key.
func (a *Accounts) verifiedKey(name, secret string) [32]byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte(strings.ToLower(name) + "\x00" + secret))
	var k [32]byte
	m.Sum(k[:0])
	return k
}

// remembered reports whether secret was checked recently as u's password, as it is now.
func (a *Accounts) remembered(u catalog.User, secret string) bool {
	k := a.verifiedKey(u.Name, secret)
	a.mu.Lock()
	defer a.mu.Unlock()
	v, hit := a.verified[k]
	if !hit || !time.Now().Before(v.until) || v.hash != u.Hash {
		return false
	}
	a.stats.Remembered++
	return true
}

func (a *Accounts) remember(u catalog.User, secret string) {
	k := a.verifiedKey(u.Name, secret)
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.verified) >= maxVerified {
		clear(a.verified)
	}
	a.verified[k] = verifiedEntry{user: u.Name, hash: u.Hash, until: time.Now().Add(verifiedFor)}
}

// forget forgets the checks of name's password, when it changed or the user went. An
// entry would not match a new hash anyway; this keeps none that can never be used.
func (a *Accounts) forget(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, v := range a.verified {
		if strings.EqualFold(v.user, name) {
			delete(a.verified, k)
		}
	}
}
