package connector_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/certs/certstest"
	"github.com/hearth-home/hearth/server/cli"
	"github.com/hearth-home/hearth/server/paths"
)

// renewCA runs 'hearthd cert renew-ca' on the stopped server s and starts it again.
func renewCA(t *testing.T, s *apptest.Server) {
	t.Helper()
	t.Setenv("HEARTH_NO_MOUNT_SCAN", "1")
	s.Stop()
	var out bytes.Buffer
	if code := cli.Main(context.Background(), []string{"-state", s.State, "cert", "renew-ca"}, &out, &out); code != 0 {
		t.Fatalf("hearthd cert renew-ca: exit %d\n%s", code, out.String())
	}
	s.Restart()
}

// TestRepinAfterRenewCA: a PC joined to a server whose CA was made before name
// constraints, and that added it to its trust store, keeps working across 'hearthd cert
// renew-ca' and moves its pin and its trust store entry to the new, constrained CA; a
// second renewal, with the PC away, is followed too. A server with an unrelated CA, even
// one with bridges of its own, is still refused, and moves no pin.
// joinTrusting joins mum's laptop to s as hearth join -trust-ca does, with a trust store
// of its own (in temporary folders) that holds the server's CA, and other: a certificate
// that is not the server's CA, which must stay there.
func joinTrusting(t *testing.T, s *apptest.Server) (cfg connector.Config, store connector.TrustStore, bundle string, other []byte) {
	t.Helper()
	ctx := context.Background()
	s.AddUser("mum", pw, false)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = connector.Join(ctx, id, "mum", pw, "laptop"); err != nil {
		t.Fatal(err)
	}
	other, _ = os.ReadFile(filepath.Join(paths.TLS(s.State), "server.crt"))
	store, bundle = tempTrustStore(t, other)
	cfg.TrustedCA, cfg.TrustedCAPEM = connector.TrustName(cfg.CAFingerprint), cfg.CA
	if err := store.Add(ctx, cfg.TrustedCA, []byte(cfg.CA)); err != nil {
		t.Fatal(err)
	}
	return cfg, store, bundle, other
}

func TestRepinAfterRenewCA(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.Stop()
	certstest.LegacyCA(t, paths.TLS(s.State), certstest.Old())
	s.Restart()
	cfg, store, bundle, other := joinTrusting(t, s)
	oldPEM := []byte(cfg.CA)

	renewCA(t, s)
	info, _ := s.Admin().Server(ctx)
	if info.CAFingerprint == cfg.CAFingerprint || !info.CAConstrained {
		t.Fatalf("renew-ca made no new constrained CA: %+v", info)
	}
	// The old pin still reaches the server (over the bridge) ...
	cfg.Server = s.URL
	if _, err := cfg.Me(ctx); err != nil {
		t.Fatalf("the PC lost the server after renew-ca: %v", err)
	}
	// ... and asking it as this device moves the pin and the trust store entry.
	moved, changed, err := cfg.Repin(ctx, store)
	if err != nil || !changed {
		t.Fatalf("repin: changed %v, %v", changed, err)
	}
	newPEM, _ := os.ReadFile(s.CAFile)
	if moved.CAFingerprint != info.CAFingerprint || moved.CA != string(newPEM) {
		t.Errorf("pinned %s, the server's CA is %s", moved.CAFingerprint, info.CAFingerprint)
	}
	if moved.TrustedCA != connector.TrustName(info.CAFingerprint) || inBundle(t, bundle, oldPEM) || !inBundle(t, bundle, newPEM) || !inBundle(t, bundle, other) {
		t.Errorf("the trust store did not move to the new CA (trusted as %q)", moved.TrustedCA)
	}
	if again, changed, err := moved.Repin(ctx, store); err != nil || changed || again.CAFingerprint != moved.CAFingerprint {
		t.Errorf("a second repin: changed %v, %v", changed, err)
	}
	if me, err := moved.Me(ctx); err != nil || me.Name != "mum" {
		t.Errorf("with the new pin: %v", err)
	}

	// Two renewals while the PC was away: it follows both bridges.
	renewCA(t, s)
	renewCA(t, s)
	moved.Server = s.URL
	far, changed, err := moved.Repin(ctx, store)
	if info, _ = s.Admin().Server(ctx); err != nil || !changed || far.CAFingerprint != info.CAFingerprint {
		t.Errorf("after two renewals: changed %v, %v", changed, err)
	}

	// A PC joining now pins the new CA (the last certificate the server presents, after
	// the bridges).
	if id, err := connector.Probe(ctx, s.URL); err != nil || id.CAFingerprint != info.CAFingerprint {
		t.Errorf("probe after renewals: %v", err)
	} else if second, err := connector.Join(ctx, id, "mum", pw, "desktop"); err != nil {
		t.Errorf("join after renewals: %v", err)
	} else if _, err := second.Me(ctx); err != nil {
		t.Errorf("a PC joined after renewals: %v", err)
	}

	// Another server, with a CA of its own that it renewed too (so it presents a bridge,
	// signed by a key this PC never pinned), is refused and moves nothing.
	stranger := apptest.Start(t)
	renewCA(t, stranger)
	far.Server = stranger.URL
	if _, err := far.Me(ctx); !errors.Is(err, connector.ErrPinMismatch) {
		t.Errorf("a server with another CA: %v", err)
	}
	if kept, changed, err := far.Repin(ctx, store); !errors.Is(err, connector.ErrPinMismatch) || changed || kept.CAFingerprint != far.CAFingerprint {
		t.Errorf("a server with another CA moved the pin: changed %v, %v", changed, err)
	}
}

// TestRepinKeepsAWideCAOutOfTheTrustStore: whoever stole a server's limited CA key can
// sign a bridge to a CA of their own that vouches for a bank's name, and serve it. The PC
// follows it to reach the server (the bridge vouches for that much) but does not put it
// in its trust store, where it would vouch for the bank to every program on the PC.
func TestRepinKeepsAWideCAOutOfTheTrustStore(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	cfg, store, bundle, _ := joinTrusting(t, s)

	// The thief's CA: the server's limits and bank.example, with a bridge from the
	// stolen key, in the server's folder.
	s.Stop()
	dir := paths.TLS(s.State)
	old, oldKey := certstest.ReadPair(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Hearth home server CA (thief)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(4 * 365 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
		PermittedDNSDomainsCritical: true, PermittedDNSDomains: append(slices.Clone(old.PermittedDNSDomains), "bank.example"),
		PermittedIPRanges: old.PermittedIPRanges, ExtKeyUsage: old.ExtKeyUsage,
		PermittedEmailAddresses: old.PermittedEmailAddresses, PermittedURIDomains: old.PermittedURIDomains}
	wide, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	bridge, err := x509.CreateCertificate(rand.Reader, tmpl, old, &key.PublicKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	widePEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: wide})
	os.WriteFile(filepath.Join(dir, "ca.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	os.WriteFile(filepath.Join(dir, "ca.crt"), widePEM, 0o600)
	os.WriteFile(filepath.Join(dir, "bridges.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: bridge}), 0o600)
	os.Remove(filepath.Join(dir, "server.crt"))
	s.Restart()

	cfg.Server = s.URL
	moved, changed, err := cfg.Repin(ctx, store)
	if !errors.Is(err, connector.ErrNotLimited) {
		t.Errorf("repin to a CA for bank.example: %v", err)
	}
	if !changed || moved.CA != string(widePEM) {
		t.Errorf("the PC did not follow the server over the bridge (changed %v)", changed)
	}
	if inBundle(t, bundle, widePEM) || !inBundle(t, bundle, []byte(cfg.CA)) || moved.TrustedCA != cfg.TrustedCA {
		t.Error("a CA vouching for bank.example went into the PC's trust store")
	}
	if _, _, err := moved.Repin(ctx, store); !errors.Is(err, connector.ErrNotLimited) || inBundle(t, bundle, widePEM) {
		t.Errorf("the next repin: %v", err)
	}
	if _, err := moved.Me(ctx); err != nil {
		t.Errorf("the PC no longer reaches its server: %v", err)
	}
}
