// Package certfp writes a certificate's SHA-256 fingerprint in the one form people
// compare: 'hearthd status' on the server and 'hearth join' on a PC show the same text.
package certfp

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"
)

// SHA256 is the fingerprint as upper-case, colon-separated hex pairs.
func SHA256(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	pairs := make([]string, 0, len(h)/2)
	for i := 0; i < len(h); i += 2 {
		pairs = append(pairs, h[i:i+2])
	}
	return strings.Join(pairs, ":")
}
