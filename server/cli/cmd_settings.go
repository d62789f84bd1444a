package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/settings"
)

// settingKeys are the names 'hearthd settings set' takes, with what each is.
var settingKeys = []struct{ key, about string }{
	{"name", "how the pages name the server"},
	{"keep", "the backups kept of PCs without a rule of their own"},
	{"metrics", "who may read /metrics"},
	{"timezone", "the time zone for times and days"},
	{"window", "when the PCs should back up"},
}

func cmdSettings(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] != "set" {
		return errUsage
	}
	c, err := openVerbless(ctx, e, "settings", args, nil)
	if err != nil {
		return err
	}
	defer c.done()
	s, err := c.svc.Settings(ctx)
	if err != nil {
		return err
	}
	switch {
	case len(c.args) == 0:
		printSettings(e, s)
		return nil
	case len(c.args) == 3 && c.args[0] == "set":
		if err := setSetting(&s, c.args[1], c.args[2]); err != nil {
			return err
		}
		if s, err = c.svc.SetSettings(ctx, s); err != nil {
			return err
		}
		fmt.Fprintln(e.out, "Saved; it applies at once.")
		printSettings(e, s)
		return nil
	}
	return errUsage
}

// errSettingKey: 'settings set' was given a name it does not know.
var errSettingKey = errors.New("no such setting")

func setSetting(s *settings.Settings, key, value string) error {
	switch key {
	case "name":
		s.ServerName = value
	case "metrics":
		s.Metrics = value
	case "timezone":
		if strings.EqualFold(value, "local") {
			value = ""
		}
		s.TimeZone = value
	case "window":
		if value == "none" {
			s.BackupWindow = settings.Window{}
			return nil
		}
		start, end, ok := strings.Cut(value, "-")
		if !ok {
			return fmt.Errorf("%w: write it as 03:00-07:00, or none", settings.ErrWindow)
		}
		s.BackupWindow = settings.Window{Start: start, End: end}
	case "keep":
		p, err := parseKeep(value)
		if err != nil {
			return err
		}
		s.DefaultKeep = p
	default:
		var names []string
		for _, k := range settingKeys {
			names = append(names, k.key)
		}
		return fmt.Errorf("%w %q; the settings are %s", errSettingKey, key, strings.Join(names, ", "))
	}
	return nil
}

// parseKeep reads "last=5,daily=3,weekly=3,monthly=3"; counts not given stay 0.
func parseKeep(v string) (backup.Policy, error) {
	var p backup.Policy
	for _, item := range strings.Split(v, ",") {
		k, n, ok := strings.Cut(strings.TrimSpace(item), "=")
		num, err := strconv.Atoi(n)
		if !ok || err != nil {
			return p, fmt.Errorf("%w: write it as last=5,daily=3,weekly=3,monthly=3", settings.ErrKeep)
		}
		switch k {
		case "last":
			p.Last = num
		case "daily":
			p.Daily = num
		case "weekly":
			p.Weekly = num
		case "monthly":
			p.Monthly = num
		default:
			return p, fmt.Errorf("%w: %q is not last, daily, weekly or monthly", settings.ErrKeep, k)
		}
	}
	return p, nil
}

func printSettings(e *env, s settings.Settings) {
	zone, window := s.TimeZone, "none (each PC backs up on its own schedule)"
	if zone == "" {
		zone = "local (the machine's)"
	}
	if s.BackupWindow.Start != "" {
		window = s.BackupWindow.Start + "-" + s.BackupWindow.End
	}
	k := s.DefaultKeep
	values := map[string]string{"name": s.ServerName, "metrics": s.Metrics, "timezone": zone, "window": window,
		"keep": fmt.Sprintf("last=%d,daily=%d,weekly=%d,monthly=%d", k.Last, k.Daily, k.Weekly, k.Monthly)}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tWHAT IT IS")
	for _, key := range settingKeys {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", key.key, values[key.key], key.about)
	}
	tw.Flush()
}
