package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-home/hearth/client/connector"
)

// repin follows the server to a new certificate authority ('hearthd cert renew-ca'; see
// connector.Repin) and saves the configuration when that changed it. The agent does it
// with every health report, 'hearth status' when it is run. The errors
// connector.ErrTrustStore and connector.ErrNotLimited leave the PC working: the pin
// moved, only the trust store did not (trustOnly).
func (e *env) repin(ctx context.Context, cfg connector.Config) (connector.Config, error) {
	old := cfg.CAFingerprint
	cfg, changed, err := cfg.Repin(ctx, connector.SystemTrustStore())
	if changed {
		if serr := cfg.Save(e.config); serr != nil {
			return cfg, serr
		}
	}
	if cfg.CAFingerprint != old {
		fmt.Fprintf(e.out, "The server has a new certificate authority, which the old one vouched for; this PC now trusts it instead:\n  SHA-256 %s\n", cfg.CAFingerprint)
	}
	if errors.Is(err, connector.ErrNotLimited) {
		return cfg, fmt.Errorf("%w. Browsers on this PC may warn about the server until it is given a limited one ('hearthd cert renew-ca' on the server), or you join again with -trust-ca: %v", connector.ErrNotLimited, errors.Unwrap(err))
	}
	if errors.Is(err, connector.ErrTrustStore) {
		return cfg, fmt.Errorf("%w; run hearth status with the rights hearth join -trust-ca had (sudo or an administrator) to replace it: %v", connector.ErrTrustStore, errors.Unwrap(err))
	}
	return cfg, err
}

// trustOnly says whether err from repin is about the trust store alone: the PC still
// reaches the server.
func trustOnly(err error) bool {
	return errors.Is(err, connector.ErrTrustStore) || errors.Is(err, connector.ErrNotLimited)
}
