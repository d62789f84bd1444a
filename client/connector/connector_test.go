package connector_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/paths"
)

const pw = "correct horse"

// TestJoin: a wrong password is refused and counted by the server's guard; the right one
// gives this PC a token that opens the drive and the API; a server with another
// certificate authority is refused, a renewed certificate from the same one is not.
func TestJoin(t *testing.T) {
	ctx := context.Background()
	g := auth.NewGuard()
	g.LockAfter, g.FirstDelay, g.MaxDelay = 3, time.Millisecond, 5*time.Millisecond
	s := apptest.Start(t, func(o *app.Options) { o.Guard = g })
	s.AddUser("mum", pw, false)

	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := s.Admin().Server(ctx)
	if id.CAFingerprint != info.CAFingerprint {
		t.Fatalf("probe shows %s, hearthd status %s", id.CAFingerprint, info.CAFingerprint)
	}
	if _, err := connector.Join(ctx, id, "mum", "wrong password", "laptop"); !errors.Is(err, connector.ErrBadCredentials) {
		t.Errorf("join with a wrong password: %v", err)
	}
	cfg, err := connector.Join(ctx, id, "mum", pw, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Token, "hth_") || cfg.DeviceID == "" || cfg.User != "mum" {
		t.Fatalf("config %+v", cfg)
	}
	if me, err := cfg.Me(ctx); err != nil || me.Name != "mum" {
		t.Errorf("API with the device token: %+v %v", me, err)
	}
	if resp, _ := s.Do("mum", cfg.Token, "PROPFIND", "/dav/mum/", nil, "Depth", "0"); resp.StatusCode != 207 {
		t.Errorf("drive with the device token: %d", resp.StatusCode)
	}
	// Wrong passwords count with the server's guard: three lock the address out, even
	// for a join with the right password.
	for range 3 {
		connector.Join(ctx, id, "mum", "a guess", "laptop")
	}
	if _, err := connector.Join(ctx, id, "mum", pw, "laptop"); err == nil || !strings.Contains(err.Error(), "Too many wrong passwords") {
		t.Errorf("join after three wrong passwords: %v", err)
	}

	// A renewed server certificate from the same authority is fine.
	s.Stop()
	s.Opt.Guard = auth.NewGuard() // a new start forgets the lockout
	os.Remove(filepath.Join(paths.TLS(s.State), "server.crt"))
	s.Restart()
	cfg.Server = s.URL
	if _, err := cfg.Me(ctx); err != nil {
		t.Errorf("after a new server certificate from the same authority: %v", err)
	}
	// Another authority (the server was set up again, or another machine) is refused.
	s.Stop()
	os.RemoveAll(paths.TLS(s.State))
	s.Restart()
	cfg.Server = s.URL
	if _, err := cfg.Me(ctx); !errors.Is(err, connector.ErrPinMismatch) || !strings.Contains(err.Error(), "pinned SHA-256 "+id.CAFingerprint) {
		t.Errorf("another authority: %v", err)
	}
}

func TestServerURL(t *testing.T) {
	for in, want := range map[string]string{
		"homeserver":               "https://homeserver:8443",
		"192.168.1.5":              "https://192.168.1.5:8443",
		"192.168.1.5:9443":         "https://192.168.1.5:9443",
		"https://homeserver:8443/": "https://homeserver:8443",
		"https://homeserver/dav/x": "https://homeserver:8443",
		"fe80::1":                  "https://[fe80::1]:8443",
		"[fd00::2]:8443":           "https://[fd00::2]:8443",
		// Not a server's address: refused rather than guessed at.
		"":                   "",
		"ftp://x":            "",
		"ftp://hearth.local": "",
		"hearth:":            "",
		"hearth:99999":       "",
		":8443":              "",
	} {
		got, err := connector.ServerURL(in)
		if want == "" {
			if err == nil {
				t.Errorf("%q: %q; want it refused", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
}

// TestTrustStore adds and removes a server's CA with the real update-ca-certificates,
// working on temporary folders instead of the machine's.
func TestTrustStore(t *testing.T) {
	s := apptest.Start(t)
	id, err := connector.Probe(context.Background(), s.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Another authority the PC already trusts (update-ca-certificates keeps the old bundle
	// when none is left).
	other, _ := os.ReadFile(filepath.Join(paths.TLS(s.State), "server.crt"))
	store, bundle := tempTrustStore(t, other)
	caPEM, _ := os.ReadFile(s.CAFile)
	name := connector.TrustName(id.CAFingerprint)
	if err := store.Add(context.Background(), name, caPEM); err != nil {
		t.Fatal(err)
	}
	if !inBundle(t, bundle, caPEM) {
		t.Fatalf("the CA is not in the bundle")
	}
	if err := store.Remove(context.Background(), name, caPEM); err != nil {
		t.Fatal(err)
	}
	if inBundle(t, bundle, caPEM) || !inBundle(t, bundle, other) {
		t.Error("after removal the bundle still has the CA, or lost the other one")
	}
}

// tempTrustStore is the real update-ca-certificates working on temporary folders, with
// other already trusted there; it returns the store and the bundle it makes.
func tempTrustStore(t *testing.T, other []byte) (connector.TrustStore, string) {
	t.Helper()
	tool := testenv.NeedTool(t, "update-ca-certificates")
	dir := t.TempDir()
	local, certs, hooks := filepath.Join(dir, "local"), filepath.Join(dir, "etc-ssl-certs"), filepath.Join(dir, "hooks")
	for _, d := range []string{local, certs, hooks, filepath.Join(dir, "share")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(local, "other.crt"), other, 0o644)
	conf := filepath.Join(dir, "ca-certificates.conf")
	os.WriteFile(conf, nil, 0o644)
	return connector.TrustStore{LocalDir: local, Update: []string{tool, "--certsconf", conf, "--certsdir", filepath.Join(dir, "share"),
		"--localcertsdir", local, "--etccertsdir", certs, "--hooksdir", hooks, "--certbundle", "ca-certificates.crt"}}, filepath.Join(certs, "ca-certificates.crt")
}

// inBundle says whether the trust store's bundle holds the certificate in pem.
func inBundle(t *testing.T, bundle string, pem []byte) bool {
	t.Helper()
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(b), strings.TrimSpace(string(pem))[30:90])
}

// TestSearch: a joined PC's token searches the shares its user may read, by a fragment
// of a name; a refusal comes back as the server's own words, for a window to show.
func TestSearch(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", pw, false)
	if _, err := s.Admin().Put(ctx, "Public/Holiday plans.txt", strings.NewReader("sea"), 3, time.Time{}); err != nil {
		t.Fatal(err)
	}
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, "mum", pw, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	res, err := cfg.Search(ctx, "iday pl", 10)
	if err != nil || len(res.Results) != 1 || res.Results[0].Path != "Public/Holiday plans.txt" || res.Results[0].Size != 3 || res.More {
		t.Errorf("search: %+v %v", res, err)
	}
	_, err = cfg.Search(ctx, "  ", 10)
	if se, ok := errors.AsType[*connector.ServerError](err); !ok || se.Status != 400 || !strings.HasPrefix(se.Msg, "Say what to look for") {
		t.Errorf("an empty search: %v", err)
	}
}
