package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

func cmdHealth(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "forget" {
		return healthForget(ctx, e, args[1:])
	}
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	now := fs.Bool("now", false, "check the server again before answering")
	events := fs.Int("events", 0, "also list this many of the newest alerts raised and cleared")
	asJSON := fs.Bool("json", false, "print the health as JSON, as GET /api/v1/health gives it")
	rest, err := parse(fs, e, args)
	if err != nil || len(rest) > 0 {
		return errUsage
	}
	svc, done, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	h, err := svc.Health(ctx, *now)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		return enc.Encode(h)
	}
	printHealth(e.out, h, time.Now())
	if *events > 0 {
		evs, err := svc.HealthEvents(ctx, *events)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.out, "\nRecent alerts:")
		if len(evs) == 0 {
			fmt.Fprintln(e.out, "  none yet")
		}
		for _, ev := range evs {
			fmt.Fprintf(e.out, "  %s  %s: %s\n", ev.At.Local().Format("2006-01-02 15:04"), ev.Source, ev.Text)
		}
	}
	return nil
}

func healthForget(ctx context.Context, e *env, args []string) error {
	rest, err := parse(flag.NewFlagSet("health forget", flag.ContinueOnError), e, args)
	if err != nil || len(rest) != 1 {
		return errUsage
	}
	svc, done, err := connect(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.HealthForget(ctx, rest[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Forgot %s's health reports; its backups are kept.\n", rest[0])
	return nil
}

func printHealth(w io.Writer, h schema.Health, now time.Time) {
	if len(h.Alerts) == 0 {
		fmt.Fprintln(w, "Health: good. Nothing needs attention.")
	} else {
		fmt.Fprintf(w, "Health: %s. %s need%s attention:\n", h.State, plural(len(h.Alerts), "thing", "things"), map[bool]string{true: "s"}[len(h.Alerts) == 1])
	}
	for _, a := range h.Alerts {
		fmt.Fprintf(w, "  %-8s %s (since %s)\n", strings.ToUpper(a.Severity), a.Title, a.Since.Local().Format("2006-01-02 15:04"))
		fmt.Fprintf(w, "           %s\n", a.Sentence)
		if a.Action != nil && a.Action.Kind == "evacuate" {
			fmt.Fprintf(w, "           To move its files to the other drives and remove it: hearthd drive remove %q\n", a.Action.Drive)
		}
	}
	fmt.Fprintln(w, "\nDrives:")
	if len(h.Drives) == 0 {
		fmt.Fprintln(w, "  none: add one with hearthd drive add DIR")
	}
	for _, d := range h.Drives {
		space := ""
		if d.Total > 0 {
			space = fmt.Sprintf(", %s free of %s", human.Bytes(int64(d.Free)), human.Bytes(int64(d.Total)))
		}
		fmt.Fprintf(w, "  %-8s %s (%s%s)\n", d.State, d.Label, d.Pool, space)
		about := d.SMART
		if d.Model != "" {
			about = d.Model + ": " + about
		}
		if d.Temperature != 0 {
			about += fmt.Sprintf(" %d °C.", d.Temperature)
		}
		fmt.Fprintf(w, "           %s\n", about)
	}
	printMedia(w, h.Media)
	fmt.Fprintln(w, "\nPCs:")
	if len(h.PCs) == 0 {
		fmt.Fprintln(w, "  none yet: a PC appears once its agent (hearth agent) reports or it backs up")
	}
	for _, p := range h.PCs {
		var about []string
		if p.Seen != nil {
			about = append(about, "reported "+since(now, *p.Seen))
		}
		if p.LastBackup != nil {
			about = append(about, "backed up "+since(now, *p.LastBackup))
		} else {
			about = append(about, "never backed up")
		}
		fmt.Fprintf(w, "  %-8s %s (%s): %s\n", p.State, p.Name, p.Owner, strings.Join(about, ", "))
		for _, c := range p.Checks {
			fmt.Fprintf(w, "           %-8s %s: %s\n", c.State, c.Title, c.Sentence)
		}
	}
}

// since says how long ago t was, roughly.
func since(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d.Hours()))
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// printMedia says whether the TVs can stream, and what.
func printMedia(w io.Writer, m *schema.Media) {
	if m == nil {
		return
	}
	shares := "no shared folder is streamed (hearthd share set NAME -media on)"
	if len(m.Shares) > 0 {
		shares = strings.Join(m.Shares, ", ")
	}
	fmt.Fprintln(w, "\nTVs and game consoles (DLNA):")
	switch m.State {
	case "on":
		fmt.Fprintf(w, "  on at %s: %s\n", m.Address, shares)
	case "off":
		fmt.Fprintln(w, "  off: turned off (media_listen in hearthd.json, or hearthd run -media off)")
	default:
		fmt.Fprintf(w, "  not answering now (it is being started again): %s\n", shares)
	}
}
