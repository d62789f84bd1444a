package connector

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func mint(t *testing.T, tmpl *x509.Certificate, key *ecdsa.PrivateKey, parent *testCA) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	p, pk := tmpl, key
	if parent != nil {
		p, pk = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p, &key.PublicKey, pk)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func caTmpl(name string, constrained bool, until time.Time) *x509.Certificate {
	c := &x509.Certificate{Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour), NotAfter: until,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true}
	if constrained {
		_, lan, _ := net.ParseCIDR("192.168.0.0/16")
		c.PermittedDNSDomainsCritical, c.PermittedDNSDomains, c.PermittedIPRanges = true, []string{"local", "hearth"}, []*net.IPNet{lan}
	}
	return c
}

// TestCurrentNeedsTheBridge: the pin moves only over a bridge the pinned CA signed that
// certifies the new CA's key and the very constraints it carries. Whoever holds only the
// new CA's key (not the pinned one) cannot get a CA without constraints pinned, nor one
// with other constraints, and an expired bridge or a bridge from another CA leads nowhere.
func TestCurrentNeedsTheBridge(t *testing.T) {
	year := time.Now().Add(365 * 24 * time.Hour)
	newKey := func() *ecdsa.PrivateKey { k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader); return k }
	oldKey, caKey, leafKey, strangerKey := newKey(), newKey(), newKey(), newKey()
	old := &testCA{mint(t, caTmpl("old", false, year), oldKey, nil), oldKey}
	ca := &testCA{mint(t, caTmpl("new", true, year), caKey, nil), caKey}
	stranger := &testCA{mint(t, caTmpl("stranger", false, year), strangerKey, nil), strangerKey}
	leaf := mint(t, &x509.Certificate{DNSNames: []string{"hearth.local"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: year,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, leafKey, ca)
	bridge := mint(t, caTmpl("new", true, year), caKey, old)

	if got, err := current(old.cert, []*x509.Certificate{leaf, bridge, ca.cert}, time.Now()); err != nil || got != ca.cert {
		t.Fatalf("the bridge from the pinned CA: %v", err)
	}
	if got, err := current(ca.cert, []*x509.Certificate{leaf, bridge, ca.cert}, time.Now()); err != nil || got != ca.cert {
		t.Errorf("the pinned CA itself: %v", err)
	}
	oldLeaf := mint(t, &x509.Certificate{DNSNames: []string{"hearth.local"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: year,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}, leafKey, old)
	if got, err := current(old.cert, []*x509.Certificate{oldLeaf}, time.Now()); err != nil || got != old.cert {
		t.Errorf("a server sending only its certificate, from the pinned CA: %v", err)
	}
	otherLimits := caTmpl("new", true, year)
	otherLimits.PermittedDNSDomains = []string{"local", "hearth", "bank.example"}
	// A bridge for a CA of web servers only, while the new CA (same key, same names) may
	// vouch for any use: mail, programs.
	webOnly := caTmpl("new", true, year)
	webOnly.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	refused := map[string][]*x509.Certificate{
		"a bridge with other limits":    {leaf, mint(t, otherLimits, caKey, old), ca.cert},
		"a bridge for fewer uses":       {leaf, mint(t, webOnly, caKey, old), ca.cert},
		"no bridge":                     {leaf, ca.cert},
		"a bridge from another CA":      {leaf, mint(t, caTmpl("new", true, year), caKey, stranger), ca.cert},
		"an expired bridge":             {leaf, mint(t, caTmpl("new", true, time.Now().Add(-time.Minute)), caKey, old), ca.cert},
		"the new key without limits":    {leaf, bridge, mint(t, caTmpl("new", false, year), caKey, nil)},
		"a bridge without limits":       {leaf, mint(t, caTmpl("new", false, year), caKey, old), mint(t, caTmpl("new", false, year), caKey, nil)},
		"a leaf from another CA":        {mint(t, &x509.Certificate{DNSNames: []string{"hearth.local"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: year}, leafKey, stranger), bridge, ca.cert},
		"the server's certificate only": {leaf},
	}
	for what, chain := range refused {
		if _, err := current(old.cert, chain, time.Now()); !errors.Is(err, ErrPinMismatch) {
			t.Errorf("%s: %v", what, err)
		}
	}
}
