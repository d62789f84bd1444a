package health

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Default returns the probes for Linux: free space on each fixed disk, the firewall
// (ufw, firewalld, nftables), pending updates (apt or dnf), whether a restart is needed, and
// ClamAV's definitions when ClamAV is installed. None needs root.
func Default() []Probe {
	return []Probe{
		linuxDisksProbe(),
		firewallProbe(linuxFirewallCheck),
		updatesProbe(linuxUpdatesCheck),
		rebootProbe(linuxRebootCheck),
		antivirusProbe(clamAVCheck),
	}
}

func linuxFirewallCheck(ctx context.Context) []schema.Check {
	fw := linuxFirewall{}
	out, err := runTool(ctx, "systemctl", "show", "--property=Id,LoadState,ActiveState",
		"ufw.service", "firewalld.service", "nftables.service")
	if err == nil && out.Code == 0 {
		fw.Systemd = true
		fw.Units = parseSystemctlShow(out.Stdout)
	} else if ctx.Err() != nil {
		return []schema.Check{firewallCheck(schema.Unknown, couldNot("the firewall", ctx.Err()))}
	}
	if conf, err := os.ReadFile("/etc/ufw/ufw.conf"); err == nil {
		fw.UFW, fw.UFWConf = true, string(conf)
	}
	if !fw.Systemd {
		// Without systemd, firewalld can still be asked itself: "running", or "not
		// running" (with exit code 252).
		if out, err := runTool(ctx, "firewall-cmd", "--state"); err == nil {
			fw.FirewallCmd = strings.TrimSpace(out.Stdout + out.Stderr)
		}
	}
	return []schema.Check{fw.check()}
}

// clamAVCheck reports on ClamAV's definitions, and nothing when ClamAV is not installed:
// most Linux desktops run no antivirus, and that is not worth an alarm.
func clamAVCheck(ctx context.Context) []schema.Check {
	now := time.Now()
	for _, tool := range []string{"clamscan", "freshclam"} {
		out, err := runTool(ctx, tool, "--version")
		if errors.Is(err, errNoTool) {
			continue
		}
		if err != nil {
			return []schema.Check{antivirusCheck(schema.Unknown, couldNot("ClamAV's virus definitions", err))}
		}
		built, _ := parseClamVersion(out.Stdout, now.Location())
		if built.IsZero() {
			built = clamDatabaseTime()
		}
		return []schema.Check{clamAVVerdict(built, now)}
	}
	if built := clamDatabaseTime(); !built.IsZero() {
		return []schema.Check{clamAVVerdict(built, now)}
	}
	return nil
}

// clamDatabaseTime is when freshclam last wrote the daily database, the fallback when the
// version line has no date; zero when there is none.
func clamDatabaseTime() (newest time.Time) {
	for _, name := range []string{"/var/lib/clamav/daily.cld", "/var/lib/clamav/daily.cvd"} {
		if fi, err := os.Stat(name); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	return newest
}
