package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/paths"
)

// TestCertificateRenewedWhileRunning: a server that runs for longer than its certificate
// lives renews it when it is due, without a restart, and keeps answering.
func TestCertificateRenewedWhileRunning(t *testing.T) {
	s := apptest.Start(t)
	s.Stop()
	// A certificate for the same names, due for renewal (a month before its end) in 15 s.
	dir := paths.TLS(s.State)
	ca, caKey := readPair(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	old, _ := readPair(t, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: old.Subject, DNSNames: old.DNSNames, IPAddresses: old.IPAddresses,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30*24*time.Hour + 15*time.Second),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "server.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	os.WriteFile(filepath.Join(dir, "server.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	s.Restart()

	presented := func() *x509.Certificate {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"), &tls.Config{RootCAs: s.Roots(), ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	short := certfp.SHA256(&x509.Certificate{Raw: der})
	if got := presented(); certfp.SHA256(got) != short {
		testenv.Skip(t, "the restart took longer than the 15 s the certificate had before renewal")
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := presented()
		if certfp.SHA256(got) != short {
			if time.Until(got.NotAfter) < 300*24*time.Hour {
				t.Errorf("the renewed certificate lives until %v", got.NotAfter)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the server still presents its old certificate a minute after it was due")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if resp, _ := s.Do("", "", "GET", "/ca.crt", nil); resp.StatusCode != 200 {
		t.Errorf("after the renewal: %d", resp.StatusCode)
	}
}

func readPair(t *testing.T, certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey) {
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
