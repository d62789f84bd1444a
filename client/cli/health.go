package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/health"
	"github.com/hearth-home/hearth/server/api/schema"
)

// backupDue is how old the last backup may be before this PC calls it a warning; the
// server judges the same with its own setting.
const backupDue = 72 * time.Hour

// healthCmd checks this PC, tells the server, and shows what needs attention in the
// house (as far as this PC's user may see).
func healthCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(e.errOut)
	asJSON := fs.Bool("json", false, "print this PC's report as JSON")
	watch := fs.Bool("watch", false, "then keep showing the house's health as it changes, until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := connector.Load(e.config)
	if err != nil {
		return err
	}
	rep, sendErr := e.reportHealth(ctx, cfg)
	if *asJSON {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
		return sendErr
	}
	fmt.Fprintf(e.out, "This PC (%s):\n", cfg.DeviceName)
	for _, c := range rep.Checks {
		fmt.Fprintf(e.out, "  %-8s %s: %s\n", c.State, c.Title, c.Sentence)
	}
	if sendErr != nil {
		return fmt.Errorf("the server could not be told: %w", sendErr)
	}
	if !*watch {
		h, err := cfg.Health(ctx)
		if err != nil {
			return err
		}
		printHouse(e, h)
		return nil
	}
	return cfg.WatchHealth(ctx, func(h schema.Health) {
		fmt.Fprintf(e.out, "\n%s\n", time.Now().Format("15:04:05"))
		printHouse(e, h)
	})
}

func printHouse(e *env, h schema.Health) {
	if len(h.Alerts) == 0 {
		fmt.Fprintln(e.out, "The house: good. Nothing needs attention.")
		return
	}
	fmt.Fprintf(e.out, "The house: %s.\n", h.State)
	for _, a := range h.Alerts {
		fmt.Fprintf(e.out, "  %-8s %s\n           %s\n", strings.ToUpper(a.Severity), a.Title, a.Sentence)
	}
}

// reportHealth runs this PC's probes, adds its backup's age, and sends the report to
// the server. The report comes back even when sending failed.
func (e *env) reportHealth(ctx context.Context, cfg connector.Config) (schema.PCReport, error) {
	probes := e.probes
	if probes == nil {
		probes = health.Default()
	}
	rep := health.Run(ctx, probes)
	rep.Checks = append(rep.Checks, backupCheck(ctx, cfg, time.Now()))
	slices.SortFunc(rep.Checks, func(a, b schema.Check) int { return strings.Compare(a.ID, b.ID) })
	return rep, cfg.ReportHealth(ctx, cfg.DeviceName, rep)
}

// backupCheck says how old this PC's newest backup is.
func backupCheck(ctx context.Context, cfg connector.Config, now time.Time) schema.Check {
	c := schema.Check{ID: "backup", Area: "backup", Title: "Backup"}
	last, err := lastBackup(ctx, cfg)
	switch {
	case err != nil:
		c.State, c.Sentence = schema.Unknown, "The server could not be asked when this PC last backed up."
	case last.IsZero():
		c.State, c.Sentence = schema.Warning, "This PC has never been backed up. Choose Back up now in Hearth, or leave it on tonight with Hearth running."
	case now.Sub(last) > backupDue:
		c.State, c.Sentence = schema.Warning, fmt.Sprintf("The last backup was %d days ago, on %s. Leave the PC on at home so it can back up.", int(now.Sub(last).Hours()/24), last.Format("Monday 2 January"))
	default:
		c.State, c.Sentence = schema.Good, "Backed up "+last.Local().Format("Monday 2 January at 15:04")+"."
	}
	return c
}
