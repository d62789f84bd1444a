package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/admin"
)

// printJobs lists the background jobs the console started ('hearthd pool jobs').
func printJobs(ctx context.Context, e *env, svc admin.Service) error {
	jobs, err := svc.Jobs(ctx)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintln(e.out, "No background jobs since the server started.")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tSTARTED\tSTATE\tDONE\tRESULT")
	for _, j := range jobs {
		what := string(j.Kind)
		if j.Subject != "" {
			what += " " + j.Subject
		}
		done := fmt.Sprintf("%d/%d files", j.FilesDone, j.FilesTotal)
		if j.BytesTotal > 0 {
			done += fmt.Sprintf(", %s of %s", human.Bytes(j.BytesDone), human.Bytes(j.BytesTotal))
		}
		if j.Left > 0 {
			done += ", about " + j.Left.Round(time.Second).String() + " left"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", what, j.Started.Local().Format("2 Jan 15:04"), j.State, done, j.Result)
	}
	return tw.Flush()
}
