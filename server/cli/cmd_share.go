package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/pool"
)

func cmdShare(ctx context.Context, e *env, args []string) error {
	var desc *string
	var n int
	var set pool.ShareSettings
	c, err := openVerb(ctx, e, "share", args, []string{"add", "list", "set"}, func(fs *flag.FlagSet) func() error {
		copies := fs.String("copies", "", "1, 2, or auto (2 once the pool has two drives)")
		desc = fs.String("description", "", "a few words on what the share is for")
		return func() (err error) {
			n, err = parseCopies(*copies)
			fs.Visit(func(f *flag.Flag) { // set changes only what was given
				switch f.Name {
				case "copies":
					set.Copies = &n
				case "description":
					set.Description = desc
				}
			})
			return err
		}
	})
	if err != nil {
		return err
	}
	defer c.done()
	verb, rest, svc := c.verb, c.args, c.svc
	switch {
	case verb == "list" && len(rest) == 0:
		ss, err := svc.Shares(ctx)
		if err != nil {
			return err
		}
		printShares(e, ss)
		return nil
	case verb == "add" && len(rest) == 1:
		s, err := svc.CreateShare(ctx, rest[0], n, *desc)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Share %s created; its files keep %s.\n", s.Name, copiesText(s))
		return nil
	case verb == "set" && len(rest) == 1:
		s, err := svc.SetShare(ctx, rest[0], set)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Share %s now keeps %s; existing files are adjusted in the background.\n", s.Name, copiesText(s))
		return nil
	}
	return errUsage
}

func parseCopies(s string) (int, error) {
	switch s {
	case "", "auto", "0":
		return 0, nil
	case "1":
		return 1, nil
	case "2":
		return 2, nil
	}
	return 0, fmt.Errorf("--copies %q: use 1, 2 or auto", s)
}

func copiesText(s pool.ShareInfo) string {
	t := plural(s.Wanted, "copy", "copies")
	if s.Copies == 0 {
		t += " (automatic)"
	}
	return t
}

func printShares(e *env, ss []pool.ShareInfo) {
	if len(ss) == 0 {
		fmt.Fprintln(e.out, "There are no shares yet. Make one with: hearthd share add Photos")
		return
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARE\tCOPIES\tFILES\tDATA\tDESCRIPTION")
	for _, s := range ss {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", s.Name, copiesText(s), s.Files, human.Bytes(s.Bytes), s.Description)
	}
	tw.Flush()
}
