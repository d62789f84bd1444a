package app_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/certs/certstest"
	"github.com/hearth-home/hearth/server/paths"
)

// TestCertificateRenewedWhileRunning: a server that runs for longer than its certificate
// lives renews it when it is due, and 'hearthd cert renew-ca' replaces its CA, both
// without a restart: a connection open before keeps working, a new one gets the new
// certificate (from the new CA), and /ca.crt offers the CA presented. The renewal is
// triggered directly (the server's timer would do it at RenewAt), so no wall clock is
// involved.
func TestCertificateRenewedWhileRunning(t *testing.T) {
	s := apptest.Start(t)
	addr := strings.TrimPrefix(s.URL, "https://")
	chain := func() []*x509.Certificate {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates
	}
	open := s.DialTLS("127.0.0.1")
	defer open.Close()
	r := bufio.NewReader(open)
	caOver := func(what string) string { // /ca.crt over the connection opened first
		t.Helper()
		open.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := fmt.Fprintf(open, "GET /ca.crt HTTP/1.1\r\nHost: %s\r\n\r\n", addr); err != nil {
			t.Fatalf("%s: the connection opened before is gone: %v", what, err)
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("%s: the connection opened before is gone: %v", what, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	start := chain()
	caOver("at start")

	// The certificate is due: as if a year went by, the one in the folder ends in ten
	// days.
	dir := paths.TLS(s.State)
	ca, caKey := certstest.ReadPair(t, filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	writeDue(t, dir, start[0], ca, caKey)
	if err := s.App.RenewCertificate(); err != nil {
		t.Fatal(err)
	}
	renewed := chain()
	if certfp.SHA256(renewed[0]) == certfp.SHA256(start[0]) || time.Until(renewed[0].NotAfter) < 300*24*time.Hour || renewed[0].CheckSignatureFrom(ca) != nil {
		t.Errorf("after the renewal the server presents %s until %v", certfp.SHA256(renewed[0]), renewed[0].NotAfter)
	}
	caOver("after the certificate was renewed")

	// A new CA, made by the running server ('hearthd cert renew-ca' over the control
	// socket).
	r2, err := s.Admin().RenewCA(context.Background())
	if err != nil || !r2.Presented {
		t.Fatalf("renew-ca: %+v %v", r2, err)
	}
	now := chain()
	if got := certfp.SHA256(now[len(now)-1]); got != r2.CAFingerprint || got == certfp.SHA256(ca) {
		t.Errorf("after renew-ca new connections get the CA %s, want %s", got, r2.CAFingerprint)
	}
	newCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: now[len(now)-1].Raw})
	if got := caOver("after renew-ca"); got != string(newCA) {
		t.Errorf("/ca.crt offers another CA than the one presented:\n%s", got)
	}
	// A client that trusts the new CA only (as a PC given it) reaches the server.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(newCA)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}}}
	resp, err := c.Get(s.URL + "/ca.crt")
	if err != nil {
		t.Fatalf("a client trusting the new CA: %v", err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(b) != string(newCA) {
		t.Errorf("/ca.crt on a new connection: %d, the new CA %v", resp.StatusCode, string(b) == string(newCA))
	}
}

// writeDue puts in dir a certificate as old, from ca, that ends in ten days (so is due).
func writeDue(t *testing.T, dir string, old, ca *x509.Certificate, caKey *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: old.Subject, DNSNames: old.DNSNames, IPAddresses: old.IPAddresses,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "server.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	os.WriteFile(filepath.Join(dir, "server.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}
