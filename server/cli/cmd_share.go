package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/hearth-home/hearth/server/admin"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/pool"
)

func cmdShare(ctx context.Context, e *env, args []string) error {
	var desc, access *string
	var n int
	var set pool.ShareSettings
	c, err := openVerb(ctx, e, "share", args, []string{"add", "list", "set", "remove", "removed", "restore", "purge"}, func(fs *flag.FlagSet) func() error {
		copies := fs.String("copies", "", "1, 2, or auto (2 once the pool has two drives)")
		desc = fs.String("description", "", "a few words on what the share is for")
		access = fs.String("access", "", "who may open it: user=none|read|full, comma-separated")
		media := fs.String("media", "", "on or off: stream it to the TVs of the house (DLNA, without sign-in)")
		return func() (err error) {
			n, err = parseCopies(*copies)
			var merr error
			fs.Visit(func(f *flag.Flag) { // set changes only what was given
				switch f.Name {
				case "copies":
					set.Copies = &n
				case "description":
					set.Description = desc
				case "media":
					set.Media, merr = parseOnOff("media", *media)
				}
			})
			return errors.Join(err, merr)
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
		acc, err := svc.Access(ctx)
		if err != nil {
			return err
		}
		printShares(e, ss, acc)
		return nil
	case verb == "add" && len(rest) == 1:
		s, err := svc.CreateShare(ctx, rest[0], n, *desc)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Share %s created; its files keep %s.\n", s.Name, copiesText(s))
		return setAccess(ctx, e, svc, s.Name, *access)
	case verb == "set" && len(rest) == 1:
		if set.Copies != nil || set.Description != nil || set.Media != nil {
			s, err := svc.SetShare(ctx, rest[0], set)
			if err != nil {
				return err
			}
			if set.Copies != nil {
				fmt.Fprintf(e.out, "Share %s now keeps %s; existing files are adjusted in the background.\n", s.Name, copiesText(s))
			}
			if set.Media != nil {
				fmt.Fprintln(e.out, mediaText(s))
			}
			if set.Copies == nil && set.Media == nil {
				fmt.Fprintf(e.out, "Share %s is described now.\n", s.Name)
			}
		}
		return setAccess(ctx, e, svc, rest[0], *access)
	case verb == "remove" && len(rest) == 1:
		return removeShare(ctx, e, svc, rest[0])
	case verb == "removed" && len(rest) == 0:
		return listRemovedShares(ctx, e, svc)
	case verb == "restore" && len(rest) == 1:
		return restoreShare(ctx, e, svc, rest[0])
	case verb == "purge" && len(rest) == 1:
		return purgeShare(ctx, e, svc, rest[0])
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

// parseOnOff reads a switch given as on or off.
func parseOnOff(name, v string) (*bool, error) {
	switch strings.ToLower(v) {
	case "on", "yes", "true":
		b := true
		return &b, nil
	case "off", "no", "false":
		b := false
		return &b, nil
	}
	return nil, fmt.Errorf("-%s %q: use on or off", name, v)
}

// mediaText says whether a share is streamed to the TVs.
func mediaText(s pool.ShareInfo) string {
	if s.Media {
		return fmt.Sprintf("Share %s is streamed to the TVs and game consoles of the house; anyone at home can play what it holds, without signing in.", s.Name)
	}
	return fmt.Sprintf("Share %s is not streamed to the TVs.", s.Name)
}

func copiesText(s pool.ShareInfo) string {
	t := plural(s.Wanted, "copy", "copies")
	if s.Copies == 0 {
		t += " (automatic)"
	}
	return t
}

func printShares(e *env, ss []pool.ShareInfo, acc []admin.AccessEntry) {
	if len(ss) == 0 {
		fmt.Fprintln(e.out, "There are no shares yet. Make one with: hearthd share add Photos")
		return
	}
	who := map[string][]string{}
	for _, a := range acc {
		if a.Level != "none" {
			who[a.Share] = append(who[a.Share], a.User+":"+a.Level)
		}
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SHARE\tCOPIES\tFILES\tDATA\tTVS\tACCESS\tDESCRIPTION")
	for _, s := range ss {
		access := strings.Join(who[s.Name], " ")
		if access == "" {
			access = "-"
		}
		tvs := "-"
		if s.Media {
			tvs = "streamed"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.Name, copiesText(s), s.Files, human.Bytes(s.Bytes), tvs, access, s.Description)
	}
	tw.Flush()
}

// setAccess applies an -access list such as "alice=full,bob=read".
func setAccess(ctx context.Context, e *env, svc admin.Service, share, list string) error {
	if list == "" {
		return nil
	}
	for _, item := range strings.Split(list, ",") {
		user, level, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return fmt.Errorf("-access %q: write user=none, user=read or user=full", item)
		}
		if err := svc.SetAccess(ctx, share, user, level); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "%s may now %s in %s.\n", user, levelText(level), share)
	}
	return nil
}

func levelText(level string) string {
	switch level {
	case "full":
		return "read and change files"
	case "read":
		return "only read files"
	}
	return "not open anything"
}
