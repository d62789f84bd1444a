package auth

import (
	"context"
	"strings"
)

// Principal is who a request acts for, and what they may do in each share.
type Principal struct {
	Name  string
	Admin bool
	Level func(share string) Level
	// ByToken: the request signed in with a device token, not a password. Such a request
	// may not make more tokens: a stolen one must end when it is revoked.
	ByToken bool
	// PC is, for a request signed in with a device token, the one PC whose backups it
	// may act on ('' for none: a token made for a phone or a WebDAV program). A stolen
	// or infected laptop must not reach the desktop's backups, even its owner's.
	PC string
}

// OwnPC reports whether p may act on the backups of the PC named pc as far as its
// sign-in goes: a password may act for any PC (whose owner it is, checked apart), a
// device token only for its own PC.
func (p Principal) OwnPC(pc string) bool { return !p.ByToken || (p.PC != "" && p.PC == pc) }

// MayLetGo reports whether p may make the server keep fewer of a PC's backups (lower
// its retention, delete a backup, remove the PC): its owner or an administrator signed
// in with a password, never a device token, so a stolen PC cannot destroy backups.
func (p Principal) MayLetGo(owner string) bool {
	return !p.ByToken && (p.Admin || strings.EqualFold(p.Name, owner))
}

type principalKey struct{}

// WithPrincipal returns a context for requests made by p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalOf returns the principal a context carries.
func PrincipalOf(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok && p.Level != nil
}
