package cli

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/pool"
)

func cmdDrive(ctx context.Context, e *env, args []string) error {
	var label *string
	var force *bool
	c, err := openVerb(ctx, e, "drive", args, []string{"add", "list", "remove", "candidates"}, func(fs *flag.FlagSet) func() error {
		label = fs.String("label", "", "a name for the drive (add)")
		force = fs.Bool("force", false, "remove a missing drive, or leave duplicated files with one copy (remove)")
		return nil
	})
	if err != nil {
		return err
	}
	defer c.done()
	verb, rest, svc := c.verb, c.args, c.svc
	switch {
	case verb == "list" && len(rest) == 0:
		ds, err := svc.Drives(ctx)
		if err != nil {
			return err
		}
		printDrives(e, ds)
		return nil
	case verb == "candidates" && len(rest) == 0:
		return printCandidates(ctx, e, svc)
	case verb == "add" && len(rest) == 1:
		d, err := svc.AddDrive(ctx, rest[0], *label)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Added %s (%s): %s, %s free.\n", d.Label, d.Path, human.Bytes(int64(d.Total)), human.Bytes(int64(d.Free)))
		for _, w := range d.Warnings {
			fmt.Fprintln(e.out, "Note:", w)
		}
		return nil
	case verb == "remove" && len(rest) == 1:
		fmt.Fprintf(e.out, "Moving the files off %s; this takes a while for a full drive...\n", rest[0])
		r, err := svc.RemoveDrive(ctx, rest[0], pool.RemoveOptions{Force: *force})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Removed. %s (%s) and %s moved to the other drives.\n",
			plural(r.Moved, "file copy", "file copies"), human.Bytes(r.Bytes), plural(r.Versions, "previous version", "previous versions"))
		if len(r.Lost) > 0 {
			fmt.Fprintf(e.out, "%s had their only copy on the missing drive and are lost:\n", plural(len(r.Lost), "file", "files"))
			for _, p := range r.Lost {
				fmt.Fprintln(e.out, "  ", p)
			}
		}
		return nil
	}
	return errUsage
}

func printDrives(e *env, ds []pool.DriveInfo) {
	if len(ds) == 0 {
		fmt.Fprintln(e.out, "The pool has no drives. Add one with: hearthd drive add /mnt/disk")
		return
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LABEL\tPATH\tSTATE\tSIZE\tFREE\tFILES\tDATA")
	for _, d := range ds {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.Label, d.Path, d.State,
			human.Bytes(int64(d.Total)), human.Bytes(int64(d.Free)), d.Files, human.Bytes(d.Bytes))
	}
	tw.Flush()
	for _, d := range ds {
		if d.Reason != "" {
			fmt.Fprintf(e.out, "%s is %s: %s\n", d.Label, d.State, d.Reason)
		}
	}
}
