package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/app"
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
	r, err := renewCA(ctx, e)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "A new certificate authority replaces the old one. It vouches only for this server's names and private addresses:\n  SHA-256 %s\n  valid until %s\n",
		r.CAFingerprint, r.CAUntil.Local().Format("2006-01-02"))
	if !r.BridgeUntil.IsZero() {
		fmt.Fprintf(e.out, "Joined PCs move to it by themselves the next time they reach the server (until %s; a PC that stays away longer must leave and join again).\n",
			r.BridgeUntil.Local().Format("2006-01-02"))
	}
	fmt.Fprintln(e.out, "Browsers and phones that were given the old authority by hand need the new one from the server's /ca.crt page.")
	if r.Presented {
		fmt.Fprintln(e.out, "hearthd is running and presents the new one already.")
	}
	return nil
}

// renewCA renews the CA of e's state folder. A running daemon does it itself, over its
// control socket: it then presents the new one at once, and the files belong to the
// account it runs as (this command, run as root, would leave keys it cannot read).
// Without a daemon the renewal is made here, and the files are given to the owner of
// the state folder.
func renewCA(ctx context.Context, e *env) (admin.CARenewal, error) {
	if c, err := admin.Dial(ctx, paths.Socket(e.state)); err == nil {
		return c.RenewCA(ctx)
	}
	a, err := app.New(ctx, app.Options{StateDir: e.state, MountScan: e.mountScan}, quietLogger(e))
	if errors.Is(err, app.ErrRunning) {
		return admin.CARenewal{}, fmt.Errorf("%w, but its control socket does not answer yet; try again in a moment", err)
	}
	if err != nil {
		return admin.CARenewal{}, err
	}
	defer a.Close(context.Background())
	r, err := a.Service().RenewCA(ctx)
	if err != nil {
		return r, err
	}
	return r, ownLikeState(e.state)
}

// ownLikeState gives the certificate folder and its files to the owner of the state
// folder (the account hearthd runs as), when this command runs as another (root).
func ownLikeState(state string) error {
	st, err := os.Stat(state)
	if err != nil {
		return fmt.Errorf("look up who owns the state folder: %w", err)
	}
	own, ok := st.Sys().(*syscall.Stat_t)
	if !ok || int(own.Uid) == os.Geteuid() {
		return nil
	}
	err = filepath.WalkDir(paths.TLS(state), func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(own.Uid), int(own.Gid))
	})
	if err != nil {
		return fmt.Errorf("the new certificate authority is made, but could not be given to the account that owns %s (hearthd may not be able to read it; run this command as that account): %w", state, err)
	}
	return nil
}

// authorityNote is what 'hearthd status' adds to the authority's fingerprint.
func authorityNote(info admin.ServerInfo) string {
	if info.CAConstrained {
		return ""
	}
	return " (made before authorities were limited to the server's names: it may vouch for any web site to PCs that trust it; run hearthd cert renew-ca)"
}
