package certs

import (
	"github.com/hearth-home/hearth/internal/certfp"

	"crypto/x509"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	names := []string{"localhost", "hearth", "hearth.local", "127.0.0.1", "::1"}
	id, err := Load(dir, names)
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
	again, err := Load(dir, names[:2])
	if err != nil || certfp.SHA256(again.Leaf) != certfp.SHA256(id.Leaf) {
		t.Errorf("a second load made a new certificate (%v)", err)
	}
	// A new address needs a new certificate, from the same CA.
	moved, err := Load(dir, append(names, "192.0.2.7"))
	if err != nil || certfp.SHA256(moved.Leaf) == certfp.SHA256(id.Leaf) || certfp.SHA256(moved.CA) != certfp.SHA256(id.CA) {
		t.Errorf("new address: %v", err)
	}
	if _, err := moved.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "192.0.2.7"}); err != nil {
		t.Error(err)
	}
	os.WriteFile(filepath.Join(dir, "server.crt"), []byte("garbage"), 0o644)
	if fixed, err := Load(dir, names); err != nil || certfp.SHA256(fixed.CA) != certfp.SHA256(id.CA) {
		t.Errorf("a damaged server certificate was not made again: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "ca.crt"), []byte("garbage"), 0o644)
	if _, err := Load(dir, names); err == nil {
		t.Error("a damaged CA was accepted (a new one would break every PC that trusts it)")
	}
}
