package connector

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net"
	"testing"
	"time"
)

// TestTrustable: a bridge proves only that whoever holds the trusted CA's key vouches
// for the new CA, and a thief of that key could certify a CA for anything. The new CA
// goes into the PC's trust store only when it is limited as a home server's CA is, and,
// when the trusted one was limited too, to nothing more than it, private names and
// addresses, and the name the PC reaches the server by.
func TestTrustable(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cidrs := func(rs ...string) []*net.IPNet {
		var out []*net.IPNet
		for _, r := range rs {
			_, n, _ := net.ParseCIDR(r)
			out = append(out, n)
		}
		return out
	}
	private := []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fc00::/7", "::1/128"}
	ca := func(edit func(*x509.Certificate)) string {
		c := caTmpl("ca", true, year)
		c.PermittedDNSDomains = []string{"local", "home.arpa", "localhost"}
		c.PermittedIPRanges = cidrs(private...)
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		c.PermittedEmailAddresses, c.PermittedURIDomains = []string{"invalid"}, []string{"invalid"}
		if edit != nil {
			edit(c)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: mint(t, c, key, nil).Raw}))
	}
	legacy := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: mint(t, caTmpl("old", false, year), key, nil).Raw}))
	limited := ca(func(c *x509.Certificate) {
		c.PermittedDNSDomains = append(c.PermittedDNSDomains, "home.example.net")
		c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("203.0.113.9/32")...)
	})
	const lan = "https://192.168.1.5:8443"
	ok := []struct{ what, newCA, trusted, server string }{
		{"a home server's CA, from an unlimited one", limited, legacy, lan},
		{"the same limits again", limited, limited, lan},
		{"fewer names", ca(nil), limited, lan},
		{"the name the PC reaches the server by", ca(func(c *x509.Certificate) {
			c.PermittedDNSDomains = append(c.PermittedDNSDomains, "files.example.org")
		}), limited, "https://files.example.org:8443"},
		{"the public address the PC reaches the server by", ca(func(c *x509.Certificate) {
			c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("198.51.100.7/32")...)
		}), limited, "https://198.51.100.7"},
	}
	for _, c := range ok {
		if err := trustable(c.newCA, c.trusted, c.server); err != nil {
			t.Errorf("%s: refused: %v", c.what, err)
		}
		if ca, err := parsePEM(c.newCA); err != nil || !Limited(ca) {
			t.Errorf("%s: hearth join -trust-ca would not trust it (%v)", c.what, err)
		}
	}
	refused := []struct{ what, newCA, trusted string }{
		{"exclusions only", ca(func(c *x509.Certificate) {
			c.PermittedDNSDomains, c.PermittedIPRanges = nil, nil
			c.ExcludedDNSDomains = []string{"bank.example"}
		}), legacy},
		{"a top-level domain", ca(func(c *x509.Certificate) { c.PermittedDNSDomains = append(c.PermittedDNSDomains, "com") }), legacy},
		{"a bare host name, a top-level domain too", ca(func(c *x509.Certificate) { c.PermittedDNSDomains = append(c.PermittedDNSDomains, "media") }), legacy},
		{"a public suffix", ca(func(c *x509.Certificate) { c.PermittedDNSDomains = append(c.PermittedDNSDomains, "co.uk") }), legacy},
		{"a private registry's suffix", ca(func(c *x509.Certificate) { c.PermittedDNSDomains = append(c.PermittedDNSDomains, "duckdns.org") }), legacy},
		{"names but any address", ca(func(c *x509.Certificate) { c.PermittedIPRanges = nil }), legacy},
		{"addresses but any name", ca(func(c *x509.Certificate) { c.PermittedDNSDomains = nil }), legacy},
		{"a public range", ca(func(c *x509.Certificate) { c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("8.0.0.0/8")...) }), legacy},
		{"constraints not critical", ca(func(c *x509.Certificate) { c.PermittedDNSDomainsCritical = false }), legacy},
		{"no constraints", legacy, legacy},
		{"any use (no extended key usage)", ca(func(c *x509.Certificate) { c.ExtKeyUsage = nil }), legacy},
		{"signing programs too", ca(func(c *x509.Certificate) {
			c.ExtKeyUsage = append(c.ExtKeyUsage, x509.ExtKeyUsageCodeSigning)
		}), legacy},
		{"mail only", ca(func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection} }), legacy},
		{"any mail address", ca(func(c *x509.Certificate) { c.PermittedEmailAddresses = nil }), legacy},
		{"a bank's mail", ca(func(c *x509.Certificate) {
			c.PermittedEmailAddresses = append(c.PermittedEmailAddresses, "bank.example")
		}), legacy},
		{"any URI", ca(func(c *x509.Certificate) { c.PermittedURIDomains = nil }), legacy},
		{"URIs of a site", ca(func(c *x509.Certificate) { c.PermittedURIDomains = []string{"www.google.com"} }), legacy},
		{"carrier-grade NAT", ca(func(c *x509.Certificate) {
			c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("100.64.0.0/10")...)
		}), legacy},
		{"link-local addresses", ca(func(c *x509.Certificate) {
			c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("169.254.0.0/16")...)
		}), legacy},
		{"link-local IPv6", ca(func(c *x509.Certificate) { c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("fe80::/10")...) }), legacy},
		{"a name the trusted CA did not permit", ca(func(c *x509.Certificate) { c.PermittedDNSDomains = append(c.PermittedDNSDomains, "bank.example") }), limited},
		{"an address the trusted CA did not permit", ca(func(c *x509.Certificate) { c.PermittedIPRanges = append(c.PermittedIPRanges, cidrs("8.8.8.8/32")...) }), limited},
	}
	for _, c := range refused {
		if err := trustable(c.newCA, c.trusted, lan); err == nil {
			t.Errorf("%s: would go into the PC's trust store", c.what)
		}
		// hearth join -trust-ca holds the CA it joins with to the same limits (it has
		// no trusted CA to compare with).
		if ca, err := parsePEM(c.newCA); err == nil && c.trusted == legacy && Limited(ca) {
			t.Errorf("%s: hearth join -trust-ca would add it to the PC's trust store", c.what)
		}
	}
}
