package connector

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hearth-home/hearth/internal/calimit"
	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/server/api/schema"
)

// ErrNotLimited: the server's new certificate authority could vouch for more than the
// server (see trustable), so the PC follows it for its own connections to the server
// only, and keeps it out of the PC's trust store.
var ErrNotLimited = errors.New("the server has a new certificate authority that is not limited to the server's own names; this PC uses it only to reach the server, and did not add it to its trust store")

// ErrTrustStore: the PC follows the server's new authority, but its trust store could
// not be changed to match (it needs the rights 'hearth join -trust-ca' had).
var ErrTrustStore = errors.New("the server has a new certificate authority, but this PC's trust store still holds the old one")

// trustable says whether the CA newPEM may replace trustedPEM in the PC's trust store.
// The bridge proves only that whoever holds the trusted CA's key vouches for the new one;
// that may be a thief, who could certify a CA for any name. So the new CA must be limited
// as a home server's is (calimit.Limited): critical constraints permitting only names a
// family can own and private or single addresses; and, when the trusted CA was limited
// too, nothing beyond what it permitted, private names and addresses, and the name the PC
// reaches the server by. A CA that fails stays out of the trust store (the PC still
// follows it to reach the server, which the bridge made safe).
func trustable(newPEM, trustedPEM, server string) error {
	ca, err := parsePEM(newPEM)
	if err != nil {
		return err
	}
	trusted, err := parsePEM(trustedPEM)
	if err != nil {
		trusted = nil // unknown: judge the new CA on its own
	}
	var own []string
	if u, err := url.Parse(server); err == nil && u.Hostname() != "" {
		own = append(own, u.Hostname())
	}
	return calimit.Limited(ca, trusted, own)
}

func parsePEM(s string) (*x509.Certificate, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, errors.New("the certificate authority is not PEM")
	}
	return x509.ParseCertificate(b.Bytes)
}

// Repin asks the server, as this device, which certificate authority it uses now. When
// the server moved to a new one ('hearthd cert renew-ca') that the pinned one vouches
// for through a bridge (see current), the configuration returned pins the new one and,
// if joining added the old one to this PC's trust store, the new one replaces it there,
// through store, when it is limited to the server (trustable; else ErrNotLimited, and
// the trust store is left as it was). changed says the configuration must be saved; it is also true with an
// ErrTrustStore error (the pin moved; the trust store is tried again next time).
func (c Config) Repin(ctx context.Context, store TrustStore) (_ Config, changed bool, err error) {
	seen := &seenCA{}
	var info schema.Server
	if err := c.callSeen(ctx, http.MethodGet, "/api/v1/server", nil, &info, c.bearer, seen); err != nil {
		return c, false, err
	}
	ca := seen.get()
	if ca == nil {
		return c, false, errors.New("the server's certificate authority could not be read")
	}
	if fp := certfp.SHA256(ca); fp != c.CAFingerprint {
		// The server, asked as this device over the connection its bridge opened, names
		// the same authority: nothing stale or half-renewed is pinned.
		if info.CAFingerprint != fp {
			return c, false, fmt.Errorf("the server presents the certificate authority %s but names %s; not moved", fp, info.CAFingerprint)
		}
		if c.TrustedCA != "" && c.TrustedCAPEM == "" {
			c.TrustedCAPEM = c.CA
		}
		c.CA, c.CAFingerprint = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})), fp
		changed = true
	}
	if name := TrustName(c.CAFingerprint); c.TrustedCA != "" && c.TrustedCA != name {
		if err := trustable(c.CA, c.TrustedCAPEM, c.Server); err != nil {
			return c, changed, fmt.Errorf("%w: %v", ErrNotLimited, err)
		}
		if err := store.Add(ctx, name, []byte(c.CA)); err != nil {
			return c, changed, fmt.Errorf("%w: %v", ErrTrustStore, err)
		}
		oldName, oldPEM := c.TrustedCA, c.TrustedCAPEM
		c.TrustedCA, c.TrustedCAPEM, changed = name, c.CA, true
		if err := store.Remove(ctx, oldName, []byte(oldPEM)); err != nil {
			return c, changed, fmt.Errorf("the new certificate authority is trusted, but the old one (%s) could not be removed: %w", oldName, err)
		}
	}
	return c, changed, nil
}
