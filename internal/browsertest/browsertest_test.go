package browsertest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/browsertest"
)

// The browser opens a page over TLS from a server it was told to trust, runs its script,
// and refuses a server it was not told to trust.
func TestBrowserTrustsOnlyPinnedServer(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>t</title><p id="p">x</p><script>document.getElementById("p").textContent = "ran"</script>`))
	})
	trusted := httptest.NewTLSServer(page)
	defer trusted.Close()
	// httptest's servers all share one certificate: the other one gets its own.
	other := httptest.NewUnstartedServer(page)
	other.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	other.StartTLS()
	defer other.Close()

	b := browsertest.New(t, trusted.Certificate())
	if err := b.Do(chromedp.Navigate(trusted.URL)); err != nil {
		t.Fatal(err)
	}
	text, err := browsertest.Run(b, chromedp.Text("#p"))
	if err != nil {
		t.Fatal(err)
	}
	if text != "ran" {
		t.Fatalf("page text %q, want the script to have run", text)
	}
	if err := b.Do(chromedp.Navigate(other.URL)); err == nil {
		t.Fatal("the browser opened a server whose certificate it was not told to trust")
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
