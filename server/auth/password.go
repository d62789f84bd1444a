// Package auth knows who may sign in to Hearth and what each person may touch: users with
// argon2id password hashes, device tokens, access levels on shares, and a guard that slows
// down and locks out a source that keeps guessing.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: 64 MiB and one pass over two lanes, RFC 9106's second recommended
// setting, about 0.1 s on a small home server. They are stored in every hash, so raising
// them later keeps old passwords working.
const (
	argonTime    = 1
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
	saltLen      = 16
)

var errBadHash = errors.New("not an argon2id password hash")

// hashPassword returns pw's encoded argon2id hash in the usual PHC string form.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("make a salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// hashParams is a parsed encoded hash.
type hashParams struct {
	memory    uint32
	time      uint32
	threads   uint8
	salt, key []byte
}

// parseHash reads an encoded hash, refusing parameters that would let a damaged or hostile
// catalog row make a check take minutes or gigabytes.
func parseHash(encoded string) (hashParams, error) {
	var h hashParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return h, errBadHash
	}
	var m, t, p uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || n != 3 {
		return h, errBadHash
	}
	if m < 8 || m > 1<<20 || t < 1 || t > 16 || p < 1 || p > 16 {
		return h, errBadHash
	}
	var err error
	b64 := base64.RawStdEncoding
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errBadHash
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return h, errBadHash
	}
	h.memory, h.time, h.threads = m, t, uint8(p)
	return h, nil
}

// checkPassword reports whether pw matches the encoded hash, in constant time.
func checkPassword(encoded, pw string) bool {
	h, err := parseHash(encoded)
	if err != nil {
		return false
	}
	key := argon2.IDKey([]byte(pw), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}
