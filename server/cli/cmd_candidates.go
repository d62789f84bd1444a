package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/admin"
)

// printCandidates shows the disks the server sees that could join the pool ('hearthd
// drive candidates').
func printCandidates(ctx context.Context, e *env, svc admin.Service) error {
	c, err := svc.DriveCandidates(ctx)
	if err != nil {
		return err
	}
	if len(c.Mounts) == 0 && len(c.Disks) == 0 {
		fmt.Fprintln(e.out, "The server sees no disk that could be added. Plug one in and mount it, then look again.")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FOLDER\tDEVICE\tTYPE\tSIZE\tFREE\tCAN BE ADDED")
	for _, m := range c.Mounts {
		can := "yes: hearthd drive add " + m.Path
		if !m.Offered {
			can = "no: " + m.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Path, m.Device, m.FSType, human.Bytes(int64(m.Size)), human.Bytes(int64(m.Free)), can)
	}
	for _, d := range c.Disks {
		fmt.Fprintf(tw, "-\t%s\t%s\t%s\t-\tno: %s\n", d.Device, d.Model, human.Bytes(int64(d.Size)), d.Reason)
	}
	return tw.Flush()
}
