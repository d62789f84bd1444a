package connector

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"

	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/server/api/schema"
)

// ErrTrustStore: the PC follows the server's new authority, but its trust store could
// not be changed to match (it needs the rights 'hearth join -trust-ca' had).
var ErrTrustStore = errors.New("the server has a new certificate authority, but this PC's trust store still holds the old one")

// Repin asks the server, as this device, which certificate authority it uses now. When
// the server moved to a new one ('hearthd cert renew-ca') that the pinned one vouches
// for through a bridge (see current), the configuration returned pins the new one and,
// if joining added the old one to this PC's trust store, the new one replaces it there,
// through store. changed says the configuration must be saved; it is also true with an
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
