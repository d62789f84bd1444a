// Package certstest makes, for tests, the TLS identities servers had before: a CA as
// hearthd made them before name constraints.
package certstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// LegacyCA writes into the certificate folder dir (replacing what is there) a CA as
// hearthd made them before name constraints: valid until end (they were made for 20
// years), vouching for any name.
func LegacyCA(t testing.TB, dir string, end time.Time) {
	t.Helper()
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "Hearth home server CA (old)", Organization: []string{"Hearth"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              end,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Old is when the CAs made before name constraints ended: 20 years on.
func Old() time.Time { return time.Now().Add(20 * 365 * 24 * time.Hour) }

// ReadPair reads a certificate and its EC private key from PEM files (the CA's, or the
// server's, in a certificate folder).
func ReadPair(t testing.TB, certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	cb, _ := os.ReadFile(certPath)
	kb, _ := os.ReadFile(keyPath)
	cp, _ := pem.Decode(cb)
	kp, _ := pem.Decode(kb)
	if cp == nil || kp == nil {
		t.Fatalf("%s or its key is not PEM", certPath)
	}
	c, err := x509.ParseCertificate(cp.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParseECPrivateKey(kp.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}
