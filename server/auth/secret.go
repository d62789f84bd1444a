package auth

import "context"

// HashSecret returns the argon2id hash of a secret that is not a user's password (a
// sharing link's), made as user passwords are, in its turn with the users' passwords
// (see argon). It has no context to give up waiting with: a turn is about 0.1 s.
func (a *Accounts) HashSecret(secret string) (string, error) {
	if err := checkPasswordRules(secret); err != nil {
		return "", err
	}
	return a.newHash(context.Background(), secret)
}

// CheckSecret reports whether secret matches a hash made by HashSecret. It takes its turn
// with the users' passwords (each hash takes 64 MiB); the error is ctx's when it ended
// while waiting for a turn.
func (a *Accounts) CheckSecret(ctx context.Context, hash, secret string) (bool, error) {
	var ok bool
	err := a.argon(ctx, func() bool { ok = checkPassword(hash, secret); return true })
	return ok, err
}
