package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/hearth-home/hearth/internal/certfp"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/certs"
	"github.com/hearth-home/hearth/server/config"
	"github.com/hearth-home/hearth/server/paths"
)

func cmdCert(ctx context.Context, e *env, args []string) error {
	verb, args, err := sub(args, "renew-ca")
	if err != nil {
		return err
	}
	rest, err := parse(flag.NewFlagSet("cert "+verb, flag.ContinueOnError), e, args)
	if err != nil || len(rest) != 0 {
		return errUsage
	}
	id, running, err := renewCA(ctx, e)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "A new certificate authority replaces the old one. It vouches only for this server's names and private addresses:\n  SHA-256 %s\n  valid until %s\n",
		certfp.SHA256(id.CA), id.CA.NotAfter.Local().Format("2006-01-02"))
	if len(id.Bridges) > 0 {
		fmt.Fprintf(e.out, "Joined PCs move to it by themselves the next time they reach the server (until %s; a PC that stays away longer must leave and join again).\n",
			id.Bridges[len(id.Bridges)-1].NotAfter.Local().Format("2006-01-02"))
	}
	fmt.Fprintln(e.out, "Browsers and phones that were given the old authority by hand need the new one from the server's /ca.crt page.")
	if running {
		fmt.Fprintln(e.out, "hearthd is running and still presents the old one: restart it (for example: sudo systemctl restart hearthd).")
	}
	return nil
}

// renewCA renews the CA of e's state folder. A running daemon keeps the state folder's
// lock; the renewal then only needs the names it serves under, which it tells.
func renewCA(ctx context.Context, e *env) (*certs.Identity, bool, error) {
	if c, err := admin.Dial(ctx, paths.Socket(e.state)); err == nil {
		info, err := c.Server(ctx)
		if err != nil {
			return nil, true, err
		}
		cfg, err := config.Load(paths.Config(e.state))
		if err != nil {
			return nil, true, err
		}
		id, err := certs.RenewCA(paths.TLS(e.state), append(certs.Names(), info.Names...), cfg.TLSNames)
		return id, true, err
	}
	a, err := app.New(ctx, app.Options{StateDir: e.state, MountScan: e.mountScan}, quietLogger(e))
	if errors.Is(err, app.ErrRunning) {
		return nil, false, fmt.Errorf("%w, but its control socket does not answer yet; try again in a moment", err)
	}
	if err != nil {
		return nil, false, err
	}
	defer a.Close(context.Background())
	id, err := a.RenewCA()
	if err != nil {
		return nil, false, fmt.Errorf("renew the certificate authority: %w", err)
	}
	return id, false, nil
}

// authorityNote is what 'hearthd status' adds to the authority's fingerprint.
func authorityNote(info admin.ServerInfo) string {
	if info.CAConstrained {
		return ""
	}
	return " (made before authorities were limited to the server's names: it may vouch for any web site to PCs that trust it; run hearthd cert renew-ca)"
}
