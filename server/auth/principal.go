package auth

import "context"

// Principal is who a request acts for, and what they may do in each share.
type Principal struct {
	Name  string
	Admin bool
	Level func(share string) Level
	// ByToken: the request signed in with a device token, not a password. Such a request
	// may not make more tokens: a stolen one must end when it is revoked.
	ByToken bool
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
