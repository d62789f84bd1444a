package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/certs"
	"github.com/hearth-home/hearth/server/paths"
)

// certificate is what the web server presents at a TLS handshake: the identity current
// then, so a renewal needs no restart (which would refuse connections while the
// listeners were closed, and reset the count of connections each address holds).
func (a *App) certificate() *tls.Certificate { return &a.identity().Cert }

// caPEM is what /ca.crt offers: the certificate authority current now.
func (a *App) caPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.identity().CA.Raw})
}

// identityChanged is closed when the identity changes next (setIdentity).
func (a *App) identityChanged() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.idChanged == nil {
		a.idChanged = make(chan struct{})
	}
	return a.idChanged
}

// waitNewCA returns when ctx ends or the identity's CA is no longer ca.
func (a *App) waitNewCA(ctx context.Context, ca *x509.Certificate) {
	for {
		changed := a.identityChanged()
		if !a.identity().CA.Equal(ca) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// renewWhenDue makes the server certificate again when it is due (a server may run for
// longer than the certificate lives), until ctx ends. The new one is presented from the
// next connection on; open connections carry on.
func (a *App) renewWhenDue(ctx context.Context) error {
	for {
		changed := a.identityChanged()
		wait := time.Until(a.identity().RenewAt())
		if wait <= 0 {
			// A certificate just made and due already: the clock is wrong. Serve it
			// rather than make certificates in a loop; look again tomorrow.
			a.log.Warn("the server certificate is due for renewal already; check the clock", "until", a.identity().Leaf.NotAfter)
			wait = 24 * time.Hour
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-changed: // renewed otherwise (RenewCA): wait for the new one's time
			timer.Stop()
			continue
		case <-timer.C:
		}
		if err := a.renewCertificate(); err != nil {
			return err
		}
	}
}

// renewCertificate makes the server certificate again if it is due (certs.Reload) and
// presents it from the next connection on.
func (a *App) renewCertificate() error {
	a.certMu.Lock()
	defer a.certMu.Unlock()
	id, err := certs.Reload(paths.TLS(a.opt.StateDir), a.certNames(), a.cfg.TLSNames)
	if err != nil {
		return fmt.Errorf("renew the server certificate: %w", err)
	}
	if old := a.identity(); old == nil || !old.Leaf.Equal(id.Leaf) {
		a.log.Info("the server certificate was renewed", "fingerprint", certfp.SHA256(id.Leaf), "until", id.Leaf.NotAfter)
	}
	a.setIdentity(id)
	return nil
}

// renewCA replaces the server's certificate authority by a new one limited to the
// server's names (certs.RenewCA, which says how joined PCs follow), for 'hearthd cert
// renew-ca' (admin.Service.RenewCA). A running server presents it from the next
// connection on, offers it at /ca.crt and announces it; the files are written by this
// process, so they belong to the account the server runs as.
func (a *App) renewCA(context.Context) (admin.CARenewal, error) {
	a.certMu.Lock()
	defer a.certMu.Unlock()
	id, err := certs.RenewCA(paths.TLS(a.opt.StateDir), a.certNames(), a.cfg.TLSNames)
	if err != nil {
		return admin.CARenewal{}, fmt.Errorf("renew the certificate authority: %w", err)
	}
	running := a.identity() != nil
	if running {
		a.setIdentity(id)
		a.log.Info("a new certificate authority replaces the old one", "authority", certfp.SHA256(id.CA), "until", id.CA.NotAfter)
	}
	r := admin.CARenewal{CAFingerprint: certfp.SHA256(id.CA), CAUntil: id.CA.NotAfter, Presented: running}
	if len(id.Bridges) > 0 {
		r.BridgeUntil = id.Bridges[len(id.Bridges)-1].NotAfter
	}
	return r, nil
}
