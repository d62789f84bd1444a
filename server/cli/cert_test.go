package cli

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
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/paths"
)

// TestCertRenewCA: a server whose CA was made before name constraints says so in
// 'hearthd status'; 'hearthd cert renew-ca' against the running daemon makes a new one
// (the daemon presents it after a restart), and status no longer warns.
func TestCertRenewCA(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	writeLegacyCA(t, paths.TLS(state))
	authority := regexp.MustCompile(`Authority +SHA-256 ([0-9A-F:]+)(.*)`)
	stop := startDaemon(t, state)
	before := authority.FindStringSubmatch(mustRun(t, state, "status"))
	if before == nil || !strings.Contains(before[2], "hearthd cert renew-ca") {
		t.Fatalf("status does not warn about the old CA: %q", before)
	}
	out := mustRun(t, state, "cert", "renew-ca")
	if !strings.Contains(out, "restart it") || !strings.Contains(out, "move to it by themselves") {
		t.Errorf("renew-ca against a running daemon:\n%s", out)
	}
	stop()
	defer startDaemon(t, state)()
	after := authority.FindStringSubmatch(mustRun(t, state, "status"))
	if after == nil || after[1] == before[1] || after[2] != "" {
		t.Errorf("after renew-ca and a restart: %q", after)
	}
	if out, code := hearthd(t, state, "cert", "renew"); code != 2 || !strings.Contains(out, "cert renew-ca") {
		t.Errorf("a wrong verb: %d %s", code, out)
	}
}

// writeLegacyCA writes a CA as hearthd made them before name constraints.
func writeLegacyCA(t *testing.T, dir string) {
	t.Helper()
	os.MkdirAll(dir, 0o700)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "Hearth home server CA (old)", Organization: []string{"Hearth"}},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(20 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "ca.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	os.WriteFile(filepath.Join(dir, "ca.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
