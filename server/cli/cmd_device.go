package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func cmdDevice(ctx context.Context, e *env, args []string) error {
	c, err := openVerb(ctx, e, "device", args, []string{"list", "remove"}, nil)
	if err != nil {
		return err
	}
	defer c.done()
	switch {
	case c.verb == "list" && len(c.args) == 0:
		ds, err := c.svc.Devices(ctx)
		if err != nil {
			return err
		}
		if len(ds) == 0 {
			fmt.Fprintln(e.out, "No device has joined yet. On a PC, run: hearth join")
			return nil
		}
		tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
		// BACKS UP AS: the one PC whose backups the device's token may touch ("-": none,
		// a token made with "hearthd user token").
		fmt.Fprintln(tw, "ID\tUSER\tDEVICE\tJOINED\tBACKS UP AS")
		for _, d := range ds {
			name, pc := d.Name, d.PC
			if name == "" {
				name = "-"
			}
			if pc == "" {
				pc = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.ID, d.User, name, d.Created.Local().Format("2006-01-02 15:04"), pc)
		}
		return tw.Flush()
	case c.verb == "remove" && len(c.args) == 1:
		if err := c.svc.RemoveDevice(ctx, c.args[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.out, "Device %s removed; it can no longer sign in.\n", c.args[0])
		return nil
	}
	return errUsage
}
