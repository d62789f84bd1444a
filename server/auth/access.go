package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-home/hearth/server/catalog"
)

// Level is what a user may do in a share.
type Level int

// The levels, in order: none sees nothing, read never changes a byte, full may change.
const (
	None Level = iota
	Read
	Full
)

func (l Level) String() string {
	switch l {
	case Read:
		return catalog.AccessRead
	case Full:
		return catalog.AccessFull
	}
	return catalog.AccessNone
}

// ParseLevel reads "none", "read" or "full".
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(s) {
	case catalog.AccessNone:
		return None, nil
	case catalog.AccessRead:
		return Read, nil
	case catalog.AccessFull:
		return Full, nil
	}
	return None, fmt.Errorf("%w, not %q", ErrBadLevel, s)
}

// ErrBadLevel: an access level that is not none, read or full.
var ErrBadLevel = errors.New("access is none, read or full")

// SetAccess sets what a user may do in a share.
func (a *Accounts) SetAccess(ctx context.Context, share, user string, l Level) error {
	return a.update(ctx, func(tx *catalog.Tx) error {
		u, err := a.user(ctx, tx, user)
		if err != nil {
			return err
		}
		return tx.SetAccess(ctx, share, u.Name, l.String())
	})
}

// Access is everyone's level on every share.
type Access map[string]map[string]Level

// Of returns user's level on share.
func (ac Access) Of(share, user string) Level {
	for u, l := range ac[share] {
		if strings.EqualFold(u, user) {
			return l
		}
	}
	return None
}

// Access reads the whole table; it is small (shares × users).
func (a *Accounts) Access(ctx context.Context) (Access, error) {
	var raw map[string]map[string]string
	err := a.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		raw, err = tx.Access(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := Access{}
	for share, users := range raw {
		out[share] = map[string]Level{}
		for u, s := range users {
			l, _ := ParseLevel(s)
			out[share][u] = l
		}
	}
	return out, nil
}
