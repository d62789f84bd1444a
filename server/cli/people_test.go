package cli

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/paths"
)

// davClient signs in to the running server of state as user and lists the shares its
// WebDAV drive shows them; it returns the HTTP status when the sign-in fails.
func sharesSeen(t *testing.T, state, user, password string) ([]string, int) {
	t.Helper()
	addr := regexp.MustCompile(`https://[^/ ]+:(\d+)/dav/`).FindStringSubmatch(mustRun(t, state, "status"))
	if addr == nil {
		t.Fatal("hearthd status shows no address")
	}
	pem, err := os.ReadFile(filepath.Join(paths.TLS(state), "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	req, _ := http.NewRequest("PROPFIND", "https://127.0.0.1:"+addr[1]+"/dav/", nil)
	req.Header.Set("Depth", "1")
	req.SetBasicAuth(user, password)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, resp.StatusCode
	}
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	var shares []string
	for _, m := range regexp.MustCompile(`<D:href>/dav/([^<]+)/</D:href>`).FindAllStringSubmatch(b.String(), -1) {
		shares = append(shares, m[1])
	}
	slices.Sort(shares)
	return shares, resp.StatusCode
}

// The system disk dies: the state folder, catalog and all, is gone. A new state folder
// rebuilt from the data drive alone brings back every user, who signs in with their old
// password (or device token) and sees exactly the shares they saw before.
func TestPeopleComeBackFromTheDrives(t *testing.T) {
	dir := t.TempDir()
	disk := filepath.Join(dir, "disk")
	old := filepath.Join(dir, "old-state")
	stop := startDaemon(t, old, "-drive", disk)
	if out, code := hearthdWithInput(t, old, "correct horse\n", "setup", "-name", "dad"); code != 0 {
		t.Fatal(out)
	}
	if out, code := hearthdWithInput(t, old, "kids password\n", "user", "add", "kid"); code != 0 {
		t.Fatal(out)
	}
	mustRun(t, old, "share", "set", "Pictures", "-access", "kid=read")
	mustRun(t, old, "share", "set", "Software", "-access", "kid=none")
	token := strings.Fields(mustRun(t, old, "user", "token", "kid", "-label", "kid-laptop"))[0]
	people := map[string]string{"dad": "correct horse", "kid": "kids password", "": token}
	before := map[string][]string{}
	for user, pw := range people {
		seen, code := sharesSeen(t, old, user, pw)
		if code != http.StatusMultiStatus {
			t.Fatalf("%q cannot sign in before: %d", user, code)
		}
		before[user] = seen
	}
	stop()
	if slices.Equal(before["dad"], before["kid"]) {
		t.Fatalf("dad and kid see the same shares (%v): the test proves nothing", before["dad"])
	}

	fresh := filepath.Join(dir, "new-state")
	out := mustRun(t, fresh, "pool", "rebuild", disk)
	if strings.Contains(out, "old catalog") || strings.Contains(out, "could not") {
		t.Errorf("pool rebuild on a new state folder:\n%s", out)
	}
	stop = startDaemon(t, fresh)
	defer stop()
	for user, pw := range people {
		seen, code := sharesSeen(t, fresh, user, pw)
		if code != http.StatusMultiStatus || !slices.Equal(seen, before[user]) {
			t.Errorf("%q after the rebuild: status %d, shares %v; before: %v", user, code, seen, before[user])
		}
	}
	if _, code := sharesSeen(t, fresh, "kid", "wrong password"); code != http.StatusUnauthorized {
		t.Errorf("a wrong password after the rebuild: %d, want 401", code)
	}
	if out := mustRun(t, fresh, "status"); strings.Contains(out, "no administrator yet") {
		t.Errorf("the rebuilt server asks for a new administrator:\n%s", out)
	}
}
