// Package joincode makes and checks the one-time codes a PC joins a server with: a person
// types twenty characters once, instead of comparing a 95-character fingerprint and
// giving their password.
//
// A code is 100 bits, written as four groups of five Crockford base32 characters. Its
// first 40 bits are a secret chosen at random by the server; the other 60 are a pin: the
// first 60 bits of HMAC-SHA256, keyed by the secret, of the server's certificate
// authority's fingerprint. A PC accepts a server only when the authority it presents
// gives the same pin under the secret, and only then sends the secret, which the server
// takes once, within the hour, in place of the password.
//
// Why 60 and 40 bits:
//   - Someone who does not have the code cannot make an authority that passes: the pin
//     depends on the secret, and the secret leaves the PC only after the pin matched. Each
//     attempt to stand in for the server is a guess that succeeds once in 2^60.
//   - Someone who learns the code within its hour (a look over a shoulder) could join as
//     its user anyway; that is what the code is for. To also stand in for the server to
//     the PC they must find an authority whose pin under the secret matches: 2^60 (1.2e18)
//     tries. At ten billion a second, a rack of GPUs hashing certificate variants, that is
//     about 3.7 years against a code that lasts one hour and is used once.
//   - The secret is guessed only online, against the server's sign-in guard, which slows
//     and then locks out an address after wrong tries, for at most an hour: a few thousand
//     tries against 1.1e12 values.
package joincode

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
)

const (
	secretBytes = 5  // 40 bits
	pinBits     = 60 // the rest of 100
	codeChars   = 20 // 100 bits in base32
	secretChars = 8  // 40 bits in base32
	group       = 5  // characters between dashes
	label       = "hearth join code v1\x00"
)

// alphabet is Crockford's: no I, L, O or U, so nothing reads as another character.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var enc = base32.NewEncoding(alphabet).WithPadding(base32.NoPadding)

// ErrMalformed: the text is not a join code (a character too many or too few, or one
// that is in no code).
var ErrMalformed = errors.New("that is not a join code: it has twenty letters and digits, as 7K2QD-M9XWA-0B4TE-HR5NZ")

// Code is a join code.
type Code struct {
	secret [secretBytes]byte
	pin    uint64 // the low 60 bits
}

// New makes a code for the server whose authority has the fingerprint caFingerprint
// (certfp.SHA256's form; case and colons do not matter).
func New(caFingerprint string) (Code, error) {
	var c Code
	if _, err := rand.Read(c.secret[:]); err != nil {
		return Code{}, err
	}
	c.pin = pinOf(c.secret, caFingerprint)
	return c, nil
}

// Parse reads a code as a person types it: any case, with or without dashes and spaces,
// O for 0 and I or L for 1.
func Parse(s string) (Code, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t':
			return -1
		case 'o', 'O':
			return '0'
		case 'i', 'I', 'l', 'L':
			return '1'
		}
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
	if len(s) != codeChars {
		return Code{}, ErrMalformed
	}
	var c Code
	if n, err := enc.Decode(c.secret[:], []byte(s[:secretChars])); err != nil || n != secretBytes {
		return Code{}, ErrMalformed
	}
	for _, r := range s[secretChars:] {
		i := strings.IndexRune(alphabet, r)
		if i < 0 {
			return Code{}, ErrMalformed
		}
		c.pin = c.pin<<5 | uint64(i)
	}
	return c, nil
}

// String is the code as a person reads it: four groups of five.
func (c Code) String() string {
	s := c.Secret()
	for i := range codeChars - secretChars {
		s += string(alphabet[c.pin>>(pinBits-5-5*i)&31])
	}
	var out strings.Builder
	for i := 0; i < len(s); i += group {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i : i+group])
	}
	return out.String()
}

// Secret is what the PC sends the server once the server's authority matched: the
// code's first eight characters.
func (c Code) Secret() string { return enc.EncodeToString(c.secret[:]) }

// Matches tells whether the authority with the fingerprint caFingerprint is the one the
// code was made for.
func (c Code) Matches(caFingerprint string) bool {
	return hmac.Equal(pinBytes(c.pin), pinBytes(pinOf(c.secret, caFingerprint)))
}

func pinOf(secret [secretBytes]byte, caFingerprint string) uint64 {
	norm := strings.ToUpper(strings.ReplaceAll(caFingerprint, ":", ""))
	m := hmac.New(sha256.New, secret[:])
	m.Write([]byte(label + norm))
	sum := m.Sum(nil)
	var v uint64
	for _, x := range sum[:8] {
		v = v<<8 | uint64(x)
	}
	return v >> (64 - pinBits)
}

func pinBytes(v uint64) []byte {
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte(v >> (56 - 8*i))
	}
	return b
}
