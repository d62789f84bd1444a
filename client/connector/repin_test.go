package connector_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/certs/certstest"
	"github.com/hearth-home/hearth/server/cli"
	"github.com/hearth-home/hearth/server/paths"
)

// renewCA runs 'hearthd cert renew-ca' on the stopped server s and starts it again.
func renewCA(t *testing.T, s *apptest.Server) {
	t.Helper()
	t.Setenv("HEARTH_NO_MOUNT_SCAN", "1")
	s.Stop()
	var out bytes.Buffer
	if code := cli.Main(context.Background(), []string{"-state", s.State, "cert", "renew-ca"}, &out, &out); code != 0 {
		t.Fatalf("hearthd cert renew-ca: exit %d\n%s", code, out.String())
	}
	s.Restart()
}

// TestRepinAfterRenewCA: a PC joined to a server whose CA was made before name
// constraints, and that added it to its trust store, keeps working across 'hearthd cert
// renew-ca' and moves its pin and its trust store entry to the new, constrained CA; a
// second renewal, with the PC away, is followed too. A server with an unrelated CA, even
// one with bridges of its own, is still refused, and moves no pin.
func TestRepinAfterRenewCA(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.Stop()
	certstest.LegacyCA(t, paths.TLS(s.State), certstest.Old())
	s.Restart()
	s.AddUser("mum", pw, false)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, "mum", pw, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := os.ReadFile(filepath.Join(paths.TLS(s.State), "server.crt"))
	store, bundle := tempTrustStore(t, other)
	cfg.TrustedCA, cfg.TrustedCAPEM = connector.TrustName(cfg.CAFingerprint), cfg.CA
	if err := store.Add(ctx, cfg.TrustedCA, []byte(cfg.CA)); err != nil {
		t.Fatal(err)
	}
	oldPEM := []byte(cfg.CA)

	renewCA(t, s)
	info, _ := s.Admin().Server(ctx)
	if info.CAFingerprint == cfg.CAFingerprint || !info.CAConstrained {
		t.Fatalf("renew-ca made no new constrained CA: %+v", info)
	}
	// The old pin still reaches the server (over the bridge) ...
	cfg.Server = s.URL
	if _, err := cfg.Me(ctx); err != nil {
		t.Fatalf("the PC lost the server after renew-ca: %v", err)
	}
	// ... and asking it as this device moves the pin and the trust store entry.
	moved, changed, err := cfg.Repin(ctx, store)
	if err != nil || !changed {
		t.Fatalf("repin: changed %v, %v", changed, err)
	}
	newPEM, _ := os.ReadFile(s.CAFile)
	if moved.CAFingerprint != info.CAFingerprint || moved.CA != string(newPEM) {
		t.Errorf("pinned %s, the server's CA is %s", moved.CAFingerprint, info.CAFingerprint)
	}
	if moved.TrustedCA != connector.TrustName(info.CAFingerprint) || inBundle(t, bundle, oldPEM) || !inBundle(t, bundle, newPEM) || !inBundle(t, bundle, other) {
		t.Errorf("the trust store did not move to the new CA (trusted as %q)", moved.TrustedCA)
	}
	if again, changed, err := moved.Repin(ctx, store); err != nil || changed || again.CAFingerprint != moved.CAFingerprint {
		t.Errorf("a second repin: changed %v, %v", changed, err)
	}
	if me, err := moved.Me(ctx); err != nil || me.Name != "mum" {
		t.Errorf("with the new pin: %v", err)
	}

	// Two renewals while the PC was away: it follows both bridges.
	renewCA(t, s)
	renewCA(t, s)
	moved.Server = s.URL
	far, changed, err := moved.Repin(ctx, store)
	if info, _ = s.Admin().Server(ctx); err != nil || !changed || far.CAFingerprint != info.CAFingerprint {
		t.Errorf("after two renewals: changed %v, %v", changed, err)
	}

	// A PC joining now pins the new CA (the last certificate the server presents, after
	// the bridges).
	if id, err := connector.Probe(ctx, s.URL); err != nil || id.CAFingerprint != info.CAFingerprint {
		t.Errorf("probe after renewals: %v", err)
	} else if second, err := connector.Join(ctx, id, "mum", pw, "desktop"); err != nil {
		t.Errorf("join after renewals: %v", err)
	} else if _, err := second.Me(ctx); err != nil {
		t.Errorf("a PC joined after renewals: %v", err)
	}

	// Another server, with a CA of its own that it renewed too (so it presents a bridge,
	// signed by a key this PC never pinned), is refused and moves nothing.
	stranger := apptest.Start(t)
	renewCA(t, stranger)
	far.Server = stranger.URL
	if _, err := far.Me(ctx); !errors.Is(err, connector.ErrPinMismatch) {
		t.Errorf("a server with another CA: %v", err)
	}
	if kept, changed, err := far.Repin(ctx, store); !errors.Is(err, connector.ErrPinMismatch) || changed || kept.CAFingerprint != far.CAFingerprint {
		t.Errorf("a server with another CA moved the pin: changed %v, %v", changed, err)
	}
}
