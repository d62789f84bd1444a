package auth

import (
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/hearth-home/hearth/internal/joincode"
)

// JoinCodeLife is how long a join code may be used.
const JoinCodeLife = time.Hour

// maxJoinCodes bounds the codes waiting at once, so making codes cannot fill memory.
const maxJoinCodes = 1000

// ErrTooManyJoinCodes: more codes wait to be used than a household needs.
var ErrTooManyJoinCodes = errors.New("too many join codes are waiting to be used; use one, or wait an hour")

// JoinCodes are the join codes waiting to be used: in memory only, so a code lives at
// most an hour and never past the server's restart, and its secret is never on a disk.
type JoinCodes struct {
	now func() time.Time
	mu  sync.Mutex
	// codes by the digest of their secret.
	codes map[[32]byte]*pendingCode
}

type pendingCode struct {
	user    User // as it was when the code was made: a user removed and made again is another
	expires time.Time
	claimed bool // a join with it is under way
}

// NewJoinCodes returns an empty set of join codes; now is the clock (nil: the real one).
func NewJoinCodes(now func() time.Time) *JoinCodes {
	if now == nil {
		now = time.Now
	}
	return &JoinCodes{now: now, codes: map[[32]byte]*pendingCode{}}
}

// Make makes a code with which one PC joins as user, for the server whose authority has
// the fingerprint caFingerprint; it returns the code and when it stops working.
func (j *JoinCodes) Make(user User, caFingerprint string) (joincode.Code, time.Time, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweep()
	if len(j.codes) >= maxJoinCodes {
		return joincode.Code{}, time.Time{}, ErrTooManyJoinCodes
	}
	for {
		c, err := joincode.New(caFingerprint)
		if err != nil {
			return joincode.Code{}, time.Time{}, err
		}
		d := sha256.Sum256([]byte(c.Secret()))
		if _, taken := j.codes[d]; taken {
			continue
		}
		exp := j.now().Add(JoinCodeLife)
		j.codes[d] = &pendingCode{user: user, expires: exp}
		return c, exp, nil
	}
}

// Claim takes the code with this secret for one join and returns its user as it was
// when the code was made (the caller checks it is still there, the same); done says
// whether the join succeeded, which uses the code up, or failed, which gives it back. A
// code being claimed is not there for a second join at once. An unknown, used or expired
// secret is ErrBadCredentials.
func (j *JoinCodes) Claim(secret string) (user User, done func(joined bool), err error) {
	d := sha256.Sum256([]byte(secret))
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweep()
	p, ok := j.codes[d]
	if !ok || p.claimed {
		return User{}, nil, ErrBadCredentials
	}
	p.claimed = true
	return p.user, func(joined bool) {
		j.mu.Lock()
		defer j.mu.Unlock()
		if joined {
			delete(j.codes, d)
		} else {
			p.claimed = false
		}
	}, nil
}

func (j *JoinCodes) sweep() {
	now := j.now()
	for d, p := range j.codes {
		if !p.claimed && !now.Before(p.expires) {
			delete(j.codes, d)
		}
	}
}
