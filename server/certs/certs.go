// Package certs keeps hearthd's TLS identity: a small certificate authority made on first
// start, and a server certificate it signs for the names and addresses the server is
// reached by. PCs that trust the CA open the WebDAV drive without warnings; the connector
// pins the CA. The CA carries name constraints, so that trusting it trusts nothing but
// this server and private names and addresses (see caTemplate and RenewCA).
package certs

import (
	"bytes"
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
	"github.com/hearth-home/hearth/internal/calimit"
)

// Identity is the server's CA and certificate.
type Identity struct {
	CA *x509.Certificate
	// Cert is what the server presents: its certificate, the bridges, then the CA.
	Cert tls.Certificate
	Leaf *x509.Certificate
	// Bridges certify the CA's key with the keys of the CAs it replaced (see RenewCA).
	Bridges []*x509.Certificate
	// Refused are names of public (the configured ones) the CA does not permit, so the
	// certificate leaves them out: they were added after the CA was made.
	Refused []string
}

// Why these lifetimes: a CA added to a PC's trust store is trusted for every name it
// permits until it ends, so it should not outlive the machine that holds its key by
// decades (the first CAs were made for 20 years). Five years, renewed by the server a
// year before the end (joined PCs follow it over the bridge, see RenewCA), bounds what a
// key taken from an old disk or backup of the server is worth. The server certificate is
// shorter still: 397 days, the longest browsers accept, never past the CA's, renewed a
// month before its end (at start, or by the running server at RenewAt).
const (
	caValid       = 5 * 365 * 24 * time.Hour
	caRenewBefore = 365 * 24 * time.Hour
	serverValid   = 397 * 24 * time.Hour // the longest lifetime browsers accept
	renewBefore   = 30 * 24 * time.Hour
	// bridgeValid is how long PCs that pinned a replaced CA can still follow to the new
	// one: a laptop left in a drawer for longer joins again.
	bridgeValid = 365 * 24 * time.Hour
)

// File names in the certificate folder. ca-next.* are a renewal's new CA until both are
// in place (see finishRenewal); bridges.pem holds the bridges still valid.
const (
	caCrt, caKey         = "ca.crt", "ca.key"
	nextCrt, nextKey     = "ca-next.crt", "ca-next.key"
	serverCrt, serverKey = "server.crt", "server.key"
	bridgesFile          = "bridges.pem"
)

// Load reads the identity kept in dir, making the CA when there is none and a new server
// certificate when there is none, it expires within a month, or it lacks one of names
// (host names and IP addresses) its CA permits. public are names the server is reached
// by from outside (the tls_names setting): a new CA permits them besides the private
// ones. A CA within a year of its end is renewed (RenewCA).
func Load(dir string, names, public []string) (*Identity, error) {
	return load(dir, names, public, caRenewBefore)
}

// Reload is Load for a running server whose certificate is due (RenewAt). It renews the
// CA only when it ends within two months (a start renews it a year ahead): the server
// then presents, offers and announces the new one at once.
func Reload(dir string, names, public []string) (*Identity, error) {
	return load(dir, names, public, 2*renewBefore)
}

// load is Load, renewing the CA when it ends within caBefore (never when caBefore is 0).
func load(dir string, names, public []string, caBefore time.Duration) (*Identity, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the certificate folder: %w", err)
	}
	if err := finishRenewal(dir); err != nil {
		return nil, err
	}
	caCert, caPriv, err := loadPair(filepath.Join(dir, caCrt), filepath.Join(dir, caKey))
	if errors.Is(err, os.ErrNotExist) {
		caCert, caPriv, err = makeCA(dir, names, public)
	}
	if err != nil {
		return nil, err
	}
	// A CA constrained too widely (made before calimit kept bare host names and public
	// suffixes out: one permitted "media" vouches for all of .media) is renewed at once;
	// joined PCs follow over the bridge, as from a CA near its end.
	if caBefore > 0 && (time.Until(caCert.NotAfter) < caBefore || (constrained(caCert) && calimit.Limited(caCert, nil, nil) != nil)) {
		return RenewCA(dir, names, public)
	}
	leafNames, refused := permitted(caCert, names, public)
	// The server certificate is only derived from the CA: a missing or damaged one is
	// simply made again.
	leaf, key, err := loadPair(filepath.Join(dir, serverCrt), filepath.Join(dir, serverKey))
	if err != nil || !covers(leaf, leafNames) || time.Until(leaf.NotAfter) < renewBefore || leaf.CheckSignatureFrom(caCert) != nil {
		if leaf, key, err = makeServer(dir, caCert, caPriv, leafNames); err != nil {
			return nil, err
		}
	}
	bridges, err := loadBridges(dir, caCert)
	if err != nil {
		return nil, err
	}
	chain := [][]byte{leaf.Raw}
	for _, b := range bridges {
		chain = append(chain, b.Raw)
	}
	// The CA last: a PC joining takes the last certificate as the authority to pin.
	chain = append(chain, caCert.Raw)
	return &Identity{
		CA:      caCert,
		Leaf:    leaf,
		Bridges: bridges,
		Refused: refused,
		Cert:    tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf},
	}, nil
}

// RenewAt is when the server certificate is due to be made again (Load does it).
func (id *Identity) RenewAt() time.Time { return id.Leaf.NotAfter.Add(-renewBefore) }

// Constrained says whether the CA carries name constraints. CAs made before they did
// vouch for any name, until 'hearthd cert renew-ca' replaces them.
func (id *Identity) Constrained() bool { return constrained(id.CA) }

func constrained(ca *x509.Certificate) bool {
	return len(ca.PermittedDNSDomains) > 0 || len(ca.PermittedIPRanges) > 0
}

// RenewCA replaces the CA in dir by a new one with name constraints (made for names and
// public, as Load's), and makes a server certificate from it.
//
// Joined PCs pinned the old CA, and some added it to their trust store; they must learn
// the new one over a channel they already trust, and nobody else may use that channel.
// So the old CA's key signs a bridge: a certificate for the new CA's name, key and
// constraints. The server presents it between its certificate and the new CA, and a
// connector that pinned the old CA accepts the new one only when such a bridge, signed by
// the CA it pinned, certifies the new CA's key and constraints (client/connector); it then
// pins the new CA and replaces the old one in the PC's trust store. A server with an
// unrelated CA has no bridge the PC's pin signed, and is still refused. The old CA's key is
// then deleted (it is what the renewal retires), and the bridge lives a year, so a PC
// that did not talk to the server for longer must join again.
//
// A crash midway leaves ca-next.crt and ca-next.key: the next Load completes the renewal.
func RenewCA(dir string, names, public []string) (*Identity, error) {
	if err := finishRenewal(dir); err != nil {
		return nil, err
	}
	old, oldKey, err := loadPair(filepath.Join(dir, caCrt), filepath.Join(dir, caKey))
	if errors.Is(err, os.ErrNotExist) {
		return Load(dir, names, public) // nothing to renew: a first CA, constrained
	}
	if err != nil {
		return nil, fmt.Errorf("read the certificate authority to renew: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make a key: %w", err)
	}
	tmpl := caTemplate(names, public)
	caDER, err := sign(tmpl, nil, key, &key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("make the certificate authority: %w", err)
	}
	bridge := *tmpl
	bridge.NotAfter = minTime(old.NotAfter, time.Now().Add(bridgeValid))
	bridgeDER, err := sign(&bridge, old, oldKey, &key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("make the bridge from the old certificate authority: %w", err)
	}
	// Bridges to the old CA stay: a PC two renewals behind follows both.
	keep, err := loadBridges(dir, old)
	if err != nil {
		return nil, err
	}
	var pemBridges []byte
	for _, b := range keep {
		pemBridges = append(pemBridges, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: b.Raw})...)
	}
	pemBridges = append(pemBridges, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: bridgeDER})...)
	if err := atomicfile.Write(filepath.Join(dir, bridgesFile), pemBridges, 0o600); err != nil {
		return nil, err
	}
	if err := writePair(dir, nextCrt, nextKey, caDER, key); err != nil {
		return nil, err
	}
	if err := finishRenewal(dir); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(dir, serverCrt)); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("retire the old server certificate: %w", err)
	}
	return load(dir, names, public, 0) // the CA just made is not renewed again

}

// finishRenewal puts a renewal's new CA in place: the key first (replacing, and so
// deleting, the old one), then the certificate. Each step is a rename, so whatever a
// crash left, running it again completes the renewal.
func finishRenewal(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, nextCrt)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, nextKey)); err == nil {
		if err := os.Rename(filepath.Join(dir, nextKey), filepath.Join(dir, caKey)); err != nil {
			return fmt.Errorf("put the new certificate authority's key in place: %w", err)
		}
	}
	if err := os.Rename(filepath.Join(dir, nextCrt), filepath.Join(dir, caCrt)); err != nil {
		return fmt.Errorf("put the new certificate authority in place: %w", err)
	}
	return nil
}

// loadBridges reads the bridges still valid that lead to ca (dropping those of an
// interrupted renewal, whose CA never took over).
func loadBridges(dir string, ca *x509.Certificate) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(filepath.Join(dir, bridgesFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the bridges to earlier certificate authorities: %w", err)
	}
	var all []*x509.Certificate
	for {
		var block *pem.Block
		if block, b = pem.Decode(b); block == nil {
			break
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", bridgesFile, err)
		}
		if time.Now().Before(c.NotAfter) {
			all = append(all, c)
		}
	}
	// Keep the bridges on a path to ca: the one certifying ca's key, the ones certifying
	// the keys that signed those, and so on.
	var out []*x509.Certificate
	want := [][]byte{ca.RawSubjectPublicKeyInfo}
	for len(want) > 0 {
		k := want[0]
		want = want[1:]
		for _, c := range all {
			if bytes.Equal(c.RawSubjectPublicKeyInfo, k) && !slices.Contains(out, c) {
				out = append(out, c)
				if issuer := findIssuer(all, c); issuer != nil {
					want = append(want, issuer.RawSubjectPublicKeyInfo)
				}
			}
		}
	}
	return out, nil
}

// findIssuer is the bridge among all whose key signed c.
func findIssuer(all []*x509.Certificate, c *x509.Certificate) *x509.Certificate {
	for _, p := range all {
		if p != c && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}

// caTemplate is a new CA for web servers only, constrained (critically, so a verifier
// that does not understand the constraints refuses rather than ignores them) to the
// private names and addresses (calimit), the machine's own host names and public, and to
// no mail address or URI (calimit.Limited is what it must pass).
//
// X.509 DNS constraints permit subtrees: "home.example.net" permits every name below it
// too, which is the family's to give. A name that strangers have names under (a single
// label such as a bare host name "media", which is also a top-level domain, or a public
// suffix such as "duckdns.org") is never permitted (calimit.Subtree): the certificate then
// leaves it out, and the server is reached by host.local, its address, or a full name.
func caTemplate(names, public []string) *x509.Certificate {
	host, _ := os.Hostname()
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: "Hearth home server CA (" + host + ", " + time.Now().UTC().Format("2006-01-02") + ")",
			Organization: []string{"Hearth"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(caValid),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		// Web servers only: a CA's extended key usage bounds every certificate below
		// it (Go, OpenSSL, Windows), so its key cannot sign programs, S/MIME mail or
		// client sign-ins that a PC trusting it would accept.
		ExtKeyUsage:                 []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         slices.Clone(calimit.PrivateDomains),
		PermittedIPRanges:           calimit.PrivateRanges(),
		// No mail address or URI: a kind with no permitted entry would be unconstrained.
		PermittedEmailAddresses: []string{calimit.Nowhere},
		PermittedURIDomains:     []string{calimit.Nowhere},
	}
	for _, n := range append(slices.Clone(names), public...) {
		n = strings.ToLower(strings.TrimSuffix(n, "."))
		if ip := net.ParseIP(n); ip != nil {
			// The machine's own public addresses change (IPv6 privacy addresses daily)
			// and are not how a family reaches it; only configured ones are permitted.
			if slices.Contains(public, n) && !slices.ContainsFunc(tmpl.PermittedIPRanges, func(r *net.IPNet) bool { return r.Contains(ip) }) {
				tmpl.PermittedIPRanges = append(tmpl.PermittedIPRanges, single(ip))
			}
		} else if calimit.Subtree(n) == nil && !under(n, tmpl.PermittedDNSDomains) {
			tmpl.PermittedDNSDomains = append(tmpl.PermittedDNSDomains, n)
		}
	}
	return tmpl
}

func single(ip net.IP) *net.IPNet {
	if v4 := ip.To4(); v4 != nil {
		return &net.IPNet{IP: v4, Mask: net.CIDRMask(32, 32)}
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(128, 128)}
}

// under says whether name is one of domains or below one, as X.509 DNS name constraints
// match.
func under(name string, domains []string) bool { return calimit.Under(name, domains) }

// permits says whether ca may vouch for name (a host name or an address).
func permits(ca *x509.Certificate, name string) bool {
	if !constrained(ca) {
		return true
	}
	if ip := net.ParseIP(name); ip != nil {
		return slices.ContainsFunc(ca.PermittedIPRanges, func(r *net.IPNet) bool { return r.Contains(ip) })
	}
	return under(name, ca.PermittedDNSDomains)
}

// permitted are the names a server certificate from ca carries: those of names and
// public ca permits. refused are the public ones it does not.
func permitted(ca *x509.Certificate, names, public []string) (ok, refused []string) {
	for _, n := range names {
		if permits(ca, n) {
			ok = append(ok, n)
		}
	}
	for _, n := range public {
		if permits(ca, n) {
			ok = append(ok, n)
		} else {
			refused = append(refused, n)
		}
	}
	slices.Sort(ok)
	return slices.Compact(ok), refused
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Names returns the names this machine is reached by: host.local (mDNS), localhost and
// every address of its interfaces.
func Names() []string {
	h, _ := os.Hostname()
	names := hostNames(h)
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

// hostNames are the names of the machine called host, besides its addresses. The bare
// host name ("media" in http://media/) is not one: a CA can only permit it as a subtree,
// and a CA permitted "media" vouches for every name under the top-level domain .media
// (caTemplate). PCs reach the server by host.local (mDNS, which the connector uses) or
// an address.
func hostNames(host string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h := strings.TrimSuffix(strings.SplitN(host, ".", 2)[0], "."); h != "" {
		names = append(names, h+".local")
	}
	return names
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
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, fmt.Errorf("%s is not the key of %s; move both away to make new ones", keyPath, certPath)
	}
	return cert, key, nil
}

func makeCA(dir string, names, public []string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	return issue(dir, "ca", caTemplate(names, public), nil, nil)
}

func makeServer(dir string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, names []string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: firstHost(names), Organization: []string{"Hearth"}},
		NotBefore:   time.Now().Add(-time.Hour),
		NotAfter:    minTime(time.Now().Add(serverValid), ca.NotAfter),
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
	if parent == nil {
		parentKey = key
	}
	der, err := sign(tmpl, parent, parentKey, &key.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("make the %s certificate: %w", name, err)
	}
	if err := writePair(dir, name+".crt", name+".key", der, key); err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// sign makes a certificate from tmpl for pub, signed by parent's key (tmpl itself when
// parent is nil).
func sign(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, pub *ecdsa.PublicKey) ([]byte, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("make a serial number: %w", err)
	}
	t := *tmpl
	t.SerialNumber = serial
	if parent == nil {
		parent = &t
	}
	return x509.CreateCertificate(rand.Reader, &t, parent, pub, parentKey)
}

// writePair writes a key and its certificate atomically, the key first: a certificate
// without its key would be unusable after a crash.
func writePair(dir, crtName, keyName string, der []byte, key *ecdsa.PrivateKey) error {
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, keyName), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	// The key first: a certificate without its key would be unusable after a crash. The
	// state folder is private (0600 files, see internal/privfile); certificates too.
	return atomicfile.Write(filepath.Join(dir, crtName), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}
