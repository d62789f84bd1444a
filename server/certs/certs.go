// Package certs keeps hearthd's TLS identity: a small certificate authority made on first
// start, and a server certificate it signs for the names and addresses the server is
// reached by. PCs that trust the CA open the WebDAV drive without warnings; the connector
// pins the certificate's fingerprint.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/atomicfile"
)

// Identity is the server's CA and certificate.
type Identity struct {
	CA   *x509.Certificate
	Cert tls.Certificate
	Leaf *x509.Certificate
}

const (
	caValid     = 20 * 365 * 24 * time.Hour
	serverValid = 397 * 24 * time.Hour // the longest lifetime browsers accept
	renewBefore = 30 * 24 * time.Hour
)

// Load reads the identity kept in dir, making the CA when there is none and a new server
// certificate when there is none, it expires within a month, or it lacks one of names
// (host names and IP addresses).
func Load(dir string, names []string) (*Identity, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the certificate folder: %w", err)
	}
	caCert, caKey, err := loadPair(filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key"))
	if errors.Is(err, os.ErrNotExist) {
		caCert, caKey, err = makeCA(dir)
	}
	if err != nil {
		return nil, err
	}
	// The server certificate is only derived from the CA: a missing or damaged one is
	// simply made again.
	leaf, key, err := loadPair(filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"))
	if err != nil || !covers(leaf, names) || time.Until(leaf.NotAfter) < renewBefore || leaf.CheckSignatureFrom(caCert) != nil {
		if leaf, key, err = makeServer(dir, caCert, caKey, names); err != nil {
			return nil, err
		}
	}
	return &Identity{
		CA:   caCert,
		Leaf: leaf,
		Cert: tls.Certificate{Certificate: [][]byte{leaf.Raw, caCert.Raw}, PrivateKey: key, Leaf: leaf},
	}, nil
}

// Names returns the names this machine is reached by: its host name, host.local,
// localhost and every address of its interfaces.
func Names() []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		h = strings.TrimSuffix(strings.SplitN(h, ".", 2)[0], ".")
		names = append(names, h, h+".local")
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLinkLocalUnicast() {
				names = append(names, ipn.IP.String())
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func covers(c *x509.Certificate, names []string) bool {
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			if !slices.ContainsFunc(c.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(c.DNSNames, n) {
			return false
		}
	}
	return true
}

func loadPair(certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cb, err := os.ReadFile(certPath)
	if err != nil {
		return nil, nil, err
	}
	kb, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, nil, err
	}
	cp, _ := pem.Decode(cb)
	kp, _ := pem.Decode(kb)
	if cp == nil || kp == nil {
		return nil, nil, fmt.Errorf("%s or its key is not PEM; move both away to make new ones", certPath)
	}
	cert, err := x509.ParseCertificate(cp.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", certPath, err)
	}
	key, err := x509.ParseECPrivateKey(kp.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", keyPath, err)
	}
	return cert, key, nil
}

func makeCA(dir string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "Hearth home server CA (" + host + ")", Organization: []string{"Hearth"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(caValid),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	return issue(dir, "ca", tmpl, nil, nil)
}

func makeServer(dir string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, names []string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: firstHost(names), Organization: []string{"Hearth"}},
		NotBefore:   time.Now().Add(-time.Hour),
		NotAfter:    time.Now().Add(serverValid),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return issue(dir, "server", tmpl, ca, caKey)
}

func firstHost(names []string) string {
	for _, n := range names {
		if net.ParseIP(n) == nil && n != "localhost" {
			return n
		}
	}
	return "localhost"
}

// issue makes a key and a certificate from tmpl, signed by parent (itself when nil), and
// writes both atomically as name.crt and name.key.
func issue(dir, name string, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("make a key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("make a serial number: %w", err)
	}
	tmpl.SerialNumber = serial
	signer, signerKey := parent, parentKey
	if parent == nil {
		signer, signerKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, nil, fmt.Errorf("make the %s certificate: %w", name, err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	// The key first: a certificate without its key would be unusable after a crash.
	if err := atomicfile.Write(filepath.Join(dir, name+".key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return nil, nil, err
	}
	if err := atomicfile.Write(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}
