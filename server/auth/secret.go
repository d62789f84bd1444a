package auth

import "context"

// HashSecret returns the argon2id hash of a secret that is not a user's password (a
// sharing link's), made as user passwords are.
func (a *Accounts) HashSecret(secret string) (string, error) {
	if err := checkPasswordRules(secret); err != nil {
		return "", err
	}
	return hashPassword(secret)
}

// CheckSecret reports whether secret matches a hash made by HashSecret. It shares the
// bound on argon2id checks running at once with the users' passwords (each takes 64 MiB);
// the error is ctx's when it ended while waiting for a turn.
func (a *Accounts) CheckSecret(ctx context.Context, hash, secret string) (bool, error) {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-a.hashing }()
	return checkPassword(hash, secret), nil
}
