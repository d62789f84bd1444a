package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/pool"
)

// dateFormat is how a command shows a day.
const dateFormat = "2 January 2006"

func removeShare(ctx context.Context, e *env, svc admin.Service, name string) error {
	if err := svc.RemoveShare(ctx, name); err != nil {
		if errors.Is(err, pool.ErrNoShare) {
			return fmt.Errorf("there is no shared folder %s (see: hearthd share list)", name)
		}
		return err
	}
	purge := ""
	if rs, err := svc.RemovedShares(ctx); err == nil {
		for _, r := range rs {
			if r.Name == name {
				purge = " until " + r.PurgeAfter.Local().Format(dateFormat)
			}
		}
	}
	fmt.Fprintf(e.out, "Share %s removed: nobody can open it now. Its files are kept%s; bring it back with: hearthd share restore %s\n",
		name, purge, name)
	return nil
}

func listRemovedShares(ctx context.Context, e *env, svc admin.Service) error {
	rs, err := svc.RemovedShares(ctx)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		fmt.Fprintln(e.out, "No removed shares are kept.")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARE\tREMOVED\tDELETED FOR GOOD\tFILES\tDATA")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.Name, r.Removed.Local().Format(dateFormat),
			r.PurgeAfter.Local().Format(dateFormat), r.Files, human.Bytes(r.Bytes))
	}
	return tw.Flush()
}

func restoreShare(ctx context.Context, e *env, svc admin.Service, name string) error {
	s, err := svc.RestoreShare(ctx, name)
	if errors.Is(err, pool.ErrNoShare) {
		return fmt.Errorf("no removed share %s is kept (see: hearthd share removed)", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Share %s is back, with its %s and the access it had.\n", s.Name, plural(int(s.Files), "file", "files"))
	return nil
}

func purgeShare(ctx context.Context, e *env, svc admin.Service, name string) error {
	err := svc.PurgeShare(ctx, name)
	if errors.Is(err, pool.ErrNoShare) {
		return fmt.Errorf("no removed share %s is kept (see: hearthd share removed); a share is removed first", name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "The removed share %s and its files are deleted for good.\n", name)
	return nil
}
