package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/calimit"
	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/certs/certstest"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	names := []string{"localhost", "hearth", "hearth.local", "127.0.0.1", "::1"}
	id, err := Load(dir, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(id.CA)
	for _, n := range []string{"hearth.local", "127.0.0.1", "::1"} {
		if _, err := id.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: n}); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if st, _ := os.Stat(filepath.Join(dir, "ca.key")); st.Mode().Perm() != 0o600 {
		t.Errorf("ca.key mode %v", st.Mode())
	}
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(certfp.SHA256(id.Leaf)) {
		t.Errorf("fingerprint %q", certfp.SHA256(id.Leaf))
	}
	again, err := Load(dir, names[:2], nil)
	if err != nil || certfp.SHA256(again.Leaf) != certfp.SHA256(id.Leaf) {
		t.Errorf("a second load made a new certificate (%v)", err)
	}
	// A new address needs a new certificate, from the same CA.
	moved, err := Load(dir, append(names, "192.168.2.7"), nil)
	if err != nil || certfp.SHA256(moved.Leaf) == certfp.SHA256(id.Leaf) || certfp.SHA256(moved.CA) != certfp.SHA256(id.CA) {
		t.Errorf("new address: %v", err)
	}
	if _, err := moved.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "192.168.2.7"}); err != nil {
		t.Error(err)
	}
	os.WriteFile(filepath.Join(dir, "server.crt"), []byte("garbage"), 0o644)
	if fixed, err := Load(dir, names, nil); err != nil || certfp.SHA256(fixed.CA) != certfp.SHA256(id.CA) {
		t.Errorf("a damaged server certificate was not made again: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "ca.crt"), []byte("garbage"), 0o644)
	if _, err := Load(dir, names, nil); err == nil {
		t.Error("a damaged CA was accepted (a new one would break every PC that trusts it)")
	}
}

func legacyCA(t *testing.T, dir string) { certstest.LegacyCA(t, dir, certstest.Old()) }

// forge signs a server certificate for name (a host name or an address) with the CA
// kept in dir, as whoever stole the CA's key would.
func forge(t *testing.T, dir, name string) *x509.Certificate {
	t.Helper()
	ca, key, err := loadPair(filepath.Join(dir, caCrt), filepath.Join(dir, caKey))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "forged"), 0o700)
	leaf, _, err := makeServer(filepath.Join(dir, "forged"), ca, key, []string{name})
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

func writePEM(t *testing.T, path string, c *x509.Certificate) string {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// opensslVerify runs openssl verify of leaf against ca for name; nil when it verifies.
func opensslVerify(t *testing.T, openssl string, ca, leaf *x509.Certificate, name string) error {
	t.Helper()
	flag := "-verify_hostname"
	if net.ParseIP(name) != nil {
		flag = "-verify_ip"
	}
	return opensslVerifyFor(t, openssl, ca, leaf, "sslserver", flag, name)
}

// opensslVerifyFor runs openssl verify of leaf against ca for purpose (sslserver,
// smimesign...), with more flags; nil when it verifies.
func opensslVerifyFor(t *testing.T, openssl string, ca, leaf *x509.Certificate, purpose string, flags ...string) error {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"verify", "-CAfile", writePEM(t, filepath.Join(dir, "ca.pem"), ca), "-purpose", purpose}, flags...)
	out, err := exec.Command(openssl, append(args, writePEM(t, filepath.Join(dir, "leaf.pem"), leaf))...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func goVerify(ca, leaf *x509.Certificate, name string) error {
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name})
	return err
}

// TestNameConstraints: a new CA vouches for the server's names, private names and
// addresses, and the public names configured, and for nothing else: a certificate its
// key signs for a bank's name or a public address is refused by Go and by openssl.
func TestNameConstraints(t *testing.T) {
	openssl := testenv.NeedTool(t, "openssl")
	dir := t.TempDir()
	names := []string{"localhost", "hearth", "hearth.local", "hearth-1a2b.local", "127.0.0.1", "::1", "192.168.1.5", "fd00::5", "8.8.4.4"}
	// 100.101.102.103: a Tailscale address, which a family reaching the server so gives
	// in tls_names; the CA permits that address, not all of carrier-grade NAT.
	id, err := Load(dir, names, []string{"home.example.net", "203.0.113.9", "100.101.102.103"})
	if err != nil {
		t.Fatal(err)
	}
	if !id.Constrained() {
		t.Fatal("a new CA has no name constraints")
	}
	critical := false
	for _, e := range id.CA.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 30}) {
			critical = e.Critical
		}
	}
	if !critical {
		t.Error("the name constraints are not marked critical")
	}
	if life := id.CA.NotAfter.Sub(id.CA.NotBefore); life > 6*365*24*time.Hour {
		t.Errorf("the CA lives %v", life)
	}
	if id.Leaf.NotAfter.After(id.CA.NotAfter) {
		t.Error("the server certificate outlives its CA")
	}
	// The machine's own public address is left out of the server certificate (a CA that
	// permitted it would vouch for whoever has it next); configured names are in.
	if slices.ContainsFunc(id.Leaf.IPAddresses, net.ParseIP("8.8.4.4").Equal) {
		t.Error("the server certificate names an unconfigured public address")
	}
	for _, n := range []string{"hearth.local", "hearth-1a2b.local", "localhost", "127.0.0.1", "::1", "192.168.1.5", "fd00::5", "home.example.net", "203.0.113.9", "100.101.102.103"} {
		if err := goVerify(id.CA, id.Leaf, n); err != nil {
			t.Errorf("Go: the server's own certificate for %s: %v", n, err)
		}
		if err := opensslVerify(t, openssl, id.CA, id.Leaf, n); err != nil {
			t.Errorf("openssl: the server's own certificate for %s: %v", n, err)
		}
	}
	// What the CA still vouches for when its key signs it: private names and addresses.
	for _, n := range []string{"printer.home.arpa", "nas.local", "10.1.2.3", "fd12::1"} {
		if err := goVerify(id.CA, forge(t, dir, n), n); err != nil {
			t.Errorf("Go: a certificate for the private %s: %v", n, err)
		}
	}
	// What it must not vouch for.
	// A bare host name ("hearth") is not permitted: it would permit the top-level domain
	// .hearth (see TestNoTopLevelDomain). Nor are carrier-grade NAT addresses, shared
	// among an ISP's customers, or link-local ones (169.254.169.254 is a cloud's metadata
	// service), which no server certificate carries.
	for _, n := range []string{"www.bank.example", "bank.example", "local.bank.example", "home.example.net.evil.example", "8.8.8.8", "2001:db8::1", "203.0.113.10", "bank.hearth",
		"100.100.100.100", "169.254.169.254", "fe80::1"} {
		leaf := forge(t, dir, n)
		if err := goVerify(id.CA, leaf, n); err == nil {
			t.Errorf("Go accepts a certificate for %s from the server's CA", n)
		}
		if err := opensslVerify(t, openssl, id.CA, leaf, n); err == nil {
			t.Errorf("openssl accepts a certificate for %s from the server's CA", n)
		} else if !strings.Contains(err.Error(), "subtree violation") {
			t.Errorf("openssl refuses %s for another reason than the name constraints: %v", n, err)
		}
	}
	// A public name configured after the CA was made is not in it: the certificate leaves
	// it out and says so, until 'hearthd cert renew-ca'.
	later, err := Load(dir, names, []string{"home.example.net", "203.0.113.9", "100.101.102.103", "files.example.org"})
	if err != nil || !slices.Equal(later.Refused, []string{"files.example.org"}) || slices.Contains(later.Leaf.DNSNames, "files.example.org") {
		t.Errorf("a public name added later: refused %v (%v)", later.Refused, err)
	}
	renewed, err := RenewCA(dir, names, []string{"home.example.net", "203.0.113.9", "files.example.org"})
	if err != nil || len(renewed.Refused) > 0 || goVerify(renewed.CA, renewed.Leaf, "files.example.org") != nil {
		t.Errorf("after renew-ca the added name is still refused: %v %v", renewed.Refused, err)
	}
}

// TestCAVouchesOnlyForWebServers: whoever steals the CA's key cannot make a certificate
// that a PC trusting the CA accepts for mail (S/MIME), for signing programs, or for
// signing in as a client: the CA's extended key usage is server authentication alone,
// and its name constraints permit no mail address or URI. Checked with Go's verifier
// and openssl, each for the use the certificate claims.
func TestCAVouchesOnlyForWebServers(t *testing.T) {
	openssl := testenv.NeedTool(t, "openssl")
	dir := t.TempDir()
	id, err := Load(dir, []string{"localhost", "hearth.local", "127.0.0.1", "192.168.1.5"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(id.CA.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("the CA's extended key usage is %v, not server authentication alone", id.CA.ExtKeyUsage)
	}
	if err := calimit.Limited(id.CA, nil, nil); err != nil {
		t.Errorf("a new CA is not limited: %v", err)
	}
	// The server's own certificate still verifies for what it is for.
	if _, err := id.Leaf.Verify(x509.VerifyOptions{Roots: pool(id.CA), DNSName: "hearth.local", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("Go: the server's certificate: %v", err)
	}
	if err := opensslVerify(t, openssl, id.CA, id.Leaf, "hearth.local"); err != nil {
		t.Errorf("openssl: the server's certificate: %v", err)
	}
	codesign := "codesign" // OpenSSL 3.2 and later; 3.0 has no purpose for code signing
	if out, _ := exec.Command(openssl, "verify", "-purpose", codesign, "/dev/null").CombinedOutput(); strings.Contains(string(out), "purpose") {
		codesign = ""
	}
	forged := []struct {
		what string
		leaf x509.Certificate
		use  x509.ExtKeyUsage
		// purposes are openssl's names for what the certificate claims to be good for.
		purposes []string
	}{
		{"an S/MIME certificate for a bank's mail", x509.Certificate{Subject: pkix.Name{CommonName: "CEO"}, EmailAddresses: []string{"ceo@bank.example"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}, x509.ExtKeyUsageEmailProtection, []string{"smimesign", "smimeencrypt"}},
		// Only the name constraints stop these two: they claim to be web servers.
		{"a web server certificate naming a mail address", x509.Certificate{Subject: pkix.Name{CommonName: "CEO"}, EmailAddresses: []string{"ceo@bank.example"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, x509.ExtKeyUsageServerAuth, []string{"sslserver"}},
		{"a web server certificate naming a URI", x509.Certificate{Subject: pkix.Name{CommonName: "google"}, URIs: []*url.URL{{Scheme: "https", Host: "www.google.com", Path: "/"}},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, x509.ExtKeyUsageServerAuth, []string{"sslserver"}},
		{"a code signing certificate", x509.Certificate{Subject: pkix.Name{CommonName: "Microsoft Corporation", Organization: []string{"Microsoft Corporation"}},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, x509.ExtKeyUsageCodeSigning, []string{codesign}},
		{"a client sign-in certificate for a URI", x509.Certificate{Subject: pkix.Name{CommonName: "google"}, URIs: []*url.URL{{Scheme: "https", Host: "www.google.com", Path: "/"}},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, x509.ExtKeyUsageClientAuth, []string{"sslclient"}},
		{"a client sign-in certificate for a private name", x509.Certificate{Subject: pkix.Name{CommonName: "nas.local"}, DNSNames: []string{"nas.local"},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, x509.ExtKeyUsageClientAuth, []string{"sslclient"}},
	}
	ca, key, err := loadPair(filepath.Join(dir, caCrt), filepath.Join(dir, caKey))
	if err != nil {
		t.Fatal(err)
	}
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, f := range forged {
		tmpl := f.leaf
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		der, err := sign(&tmpl, ca, key, &leafKey.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool(ca), KeyUsages: []x509.ExtKeyUsage{f.use}}); err == nil {
			t.Errorf("Go accepts %s from the server's CA", f.what)
		}
		for _, p := range f.purposes {
			if p == "" {
				t.Logf("openssl %s has no purpose for %s: checked by Go alone", openssl, f.what)
				continue
			}
			if err := opensslVerifyFor(t, openssl, ca, leaf, p); err == nil {
				t.Errorf("openssl -purpose %s accepts %s from the server's CA", p, f.what)
			}
		}
	}
}

func pool(cas ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cas {
		p.AddCert(c)
	}
	return p
}

// TestRenewCA: a CA made before constraints keeps working (for any name, as before)
// until it is renewed; the renewal makes a constrained CA, deletes the old key, and
// bridges from the old CA to the new one, a renewal later from both earlier ones.
func TestRenewCA(t *testing.T) {
	dir := t.TempDir()
	legacyCA(t, dir)
	names := []string{"localhost", "hearth", "hearth.local", "127.0.0.1", "8.8.4.4"}
	old, err := Load(dir, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	if old.Constrained() || goVerify(old.CA, old.Leaf, "8.8.4.4") != nil {
		t.Fatal("an old CA no longer works as it did")
	}
	oldKey, _ := os.ReadFile(filepath.Join(dir, caKey))
	id, err := RenewCA(dir, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !id.Constrained() || certfp.SHA256(id.CA) == certfp.SHA256(old.CA) {
		t.Fatal("renew-ca did not make a new constrained CA")
	}
	if k, _ := os.ReadFile(filepath.Join(dir, caKey)); bytes.Equal(k, oldKey) || bytes.Contains(k, oldKey) {
		t.Error("the old CA's key is still kept")
	}
	if err := goVerify(id.CA, id.Leaf, "hearth.local"); err != nil {
		t.Errorf("the new server certificate: %v", err)
	}
	if len(id.Bridges) != 1 || id.Bridges[0].CheckSignatureFrom(old.CA) != nil ||
		!bytes.Equal(id.Bridges[0].RawSubjectPublicKeyInfo, id.CA.RawSubjectPublicKeyInfo) ||
		!slices.Equal(id.Bridges[0].PermittedDNSDomains, id.CA.PermittedDNSDomains) {
		t.Fatalf("no bridge from the old CA to the new one: %d", len(id.Bridges))
	}
	chain := id.Cert.Certificate
	if len(chain) != 3 || !bytes.Equal(chain[0], id.Leaf.Raw) || !bytes.Equal(chain[1], id.Bridges[0].Raw) || !bytes.Equal(chain[2], id.CA.Raw) {
		t.Error("the server does not present its certificate, the bridge, then the CA")
	}
	again, err := Load(dir, names, nil)
	if err != nil || certfp.SHA256(again.CA) != certfp.SHA256(id.CA) || len(again.Bridges) != 1 {
		t.Errorf("a start after the renewal: %v", err)
	}
	third, err := RenewCA(dir, names, nil)
	if err != nil || len(third.Bridges) != 2 {
		t.Fatalf("a second renewal keeps %d bridges (%v)", len(third.Bridges), err)
	}

	// A renewal cut off after its new CA was written is completed by the next start.
	crt, _ := os.ReadFile(filepath.Join(dir, caCrt))
	key, _ := os.ReadFile(filepath.Join(dir, caKey))
	legacyCA(t, dir)
	os.WriteFile(filepath.Join(dir, nextCrt), crt, 0o644)
	os.WriteFile(filepath.Join(dir, nextKey), key, 0o600)
	if done, err := Load(dir, names, nil); err != nil || certfp.SHA256(done.CA) != certfp.SHA256(third.CA) {
		t.Errorf("an interrupted renewal was not completed: %v", err)
	}
}

// TestCARenewedBeforeItEnds: a CA within a year of its end is renewed at start, with a
// bridge from it, so joined PCs follow; renewing where there is no CA makes a first one.
func TestCARenewedBeforeItEnds(t *testing.T) {
	dir := t.TempDir()
	certstest.LegacyCA(t, dir, time.Now().Add(200*24*time.Hour))
	names := []string{"localhost", "hearth.local", "127.0.0.1"}
	// A running server renewing its certificate keeps the CA it announces.
	if kept, err := Reload(dir, names, nil); err != nil || time.Until(kept.CA.NotAfter) > 201*24*time.Hour || kept.Leaf.NotAfter.After(kept.CA.NotAfter) {
		t.Errorf("reload renewed the CA, or made a certificate outliving it (%v)", err)
	}
	id, err := Load(dir, names, nil)
	if err != nil {
		t.Fatal(err)
	}
	if time.Until(id.CA.NotAfter) < 4*365*24*time.Hour || len(id.Bridges) != 1 || !id.Constrained() {
		t.Errorf("a CA 200 days from its end: now until %v, %d bridges", id.CA.NotAfter, len(id.Bridges))
	}
	if id.Leaf.NotAfter.After(id.CA.NotAfter) || goVerify(id.CA, id.Leaf, "hearth.local") != nil {
		t.Error("the server certificate is not from the renewed CA")
	}
	fresh := t.TempDir()
	if id, err := RenewCA(fresh, names, nil); err != nil || !id.Constrained() || len(id.Bridges) != 0 {
		t.Errorf("renew where there is no CA: %v", err)
	}
}

// TestNoTopLevelDomain: a machine called "media" (also a top-level domain, as are cloud,
// box, dev, family, house) gets a CA that does not vouch for bank.media: X.509 permits
// subtrees, so the bare host name is neither permitted nor in the server certificate,
// which is for media.local and the addresses. Public suffixes given as names are left
// out too; a name below one is the family's and is permitted.
func TestNoTopLevelDomain(t *testing.T) {
	openssl := testenv.NeedTool(t, "openssl")
	dir := t.TempDir()
	names := append(hostNames("media"), "192.168.1.5")
	id, err := Load(dir, names, []string{"duckdns.org", "co.uk", "ourhome.duckdns.org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"media.local", "127.0.0.1", "192.168.1.5", "ourhome.duckdns.org"} {
		if err := goVerify(id.CA, id.Leaf, n); err != nil {
			t.Errorf("Go: the server's own certificate for %s: %v", n, err)
		}
		if err := opensslVerify(t, openssl, id.CA, id.Leaf, n); err != nil {
			t.Errorf("openssl: the server's own certificate for %s: %v", n, err)
		}
	}
	for _, n := range []string{"bank.media", "media", "bank.duckdns.org", "bank.co.uk"} {
		leaf := forge(t, dir, n)
		if err := goVerify(id.CA, leaf, n); err == nil {
			t.Errorf("Go accepts a certificate for %s from the CA of a server called media", n)
		}
		if err := opensslVerify(t, openssl, id.CA, leaf, n); err == nil {
			t.Errorf("openssl accepts a certificate for %s from the CA of a server called media", n)
		}
	}
	// Given the bare name directly, as a caller with an older list of names would.
	again := t.TempDir()
	if id, err := Load(again, []string{"media", "media.local", "127.0.0.1"}, nil); err != nil {
		t.Fatal(err)
	} else if slices.Contains(id.CA.PermittedDNSDomains, "media") || slices.Contains(id.Leaf.DNSNames, "media") {
		t.Errorf("the bare host name is permitted %v or certified %v", id.CA.PermittedDNSDomains, id.Leaf.DNSNames)
	}
}

// TestTooWideCARenewed: a constrained CA that permits a top-level domain (as hearthd made
// them for a bare host name), or one made before the CA was held to web servers and the
// narrower ranges (no extended key usage, mail addresses and URIs open, carrier-grade NAT
// and link-local addresses permitted) is replaced at start, with a bridge PCs follow.
func TestTooWideCARenewed(t *testing.T) {
	for _, c := range []struct {
		what string
		edit func(*x509.Certificate)
	}{
		{"permits .media", func(c *x509.Certificate) { c.PermittedDNSDomains = append(c.PermittedDNSDomains, "media") }},
		{"any use", func(c *x509.Certificate) { c.ExtKeyUsage = nil }},
		{"mail addresses and URIs", func(c *x509.Certificate) { c.PermittedEmailAddresses, c.PermittedURIDomains = nil, nil }},
		{"carrier-grade NAT", func(c *x509.Certificate) {
			c.PermittedIPRanges = append(c.PermittedIPRanges, &net.IPNet{IP: net.IP{100, 64, 0, 0}, Mask: net.CIDRMask(10, 32)})
		}},
		{"link-local", func(c *x509.Certificate) {
			c.PermittedIPRanges = append(c.PermittedIPRanges, &net.IPNet{IP: net.IP{169, 254, 0, 0}, Mask: net.CIDRMask(16, 32)})
		}},
	} {
		dir := t.TempDir()
		tmpl := caTemplate(nil, nil)
		c.edit(tmpl)
		old, _, err := issue(dir, "ca", tmpl, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := Load(dir, hostNames("media"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if id.CA.Equal(old) || calimit.Limited(id.CA, nil, nil) != nil || len(id.Bridges) != 1 {
			t.Errorf("%s: the CA was kept, or its renewal is not limited (%v), %d bridges", c.what, calimit.Limited(id.CA, nil, nil), len(id.Bridges))
		}
	}
}
