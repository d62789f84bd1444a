package health

import (
	"context"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// The macOS tools, by full path: a login agent's PATH may not hold /usr/libexec or /usr/sbin.
const (
	socketfilterfw = "/usr/libexec/ApplicationFirewall/socketfilterfw"
	fdesetup       = "/usr/bin/fdesetup"
	softwareupdate = "/usr/sbin/softwareupdate"
)

// Default returns the probes for macOS: free space on the startup disk, the application
// firewall, FileVault, and pending software updates. None needs an administrator.
func Default() []Probe {
	return []Probe{
		disksProbe(func(ctx context.Context) []schema.Check {
			disks, err := darwinDisks()
			return diskChecks(disks, err)
		}),
		firewallProbe(func(ctx context.Context) []schema.Check {
			out, err := runTool(ctx, socketfilterfw, "--getglobalstate")
			if err != nil {
				return []schema.Check{firewallCheck(schema.Unknown, couldNot("the firewall", err))}
			}
			return []schema.Check{macFirewallVerdict(out.Stdout + out.Stderr)}
		}),
		fileVaultProbe(func(ctx context.Context) []schema.Check {
			out, err := runTool(ctx, fdesetup, "status")
			if err != nil {
				return []schema.Check{fileVaultCheck(schema.Unknown, couldNot("whether FileVault is on", err))}
			}
			return []schema.Check{fileVaultVerdict(out.Stdout + out.Stderr)}
		}),
		updatesProbe(darwinUpdatesCheck),
	}
}

// darwinUpdatesCheck asks Apple's servers through softwareupdate, which can take a while;
// it prints "No new software available." on stderr, the list on stdout.
func darwinUpdatesCheck(ctx context.Context) []schema.Check {
	out, err := runTool(ctx, softwareupdate, "--list")
	if err != nil {
		return []schema.Check{updatesCheck(schema.Unknown, couldNot("for updates", err))}
	}
	p, ok := parseSoftwareUpdate(out.Stdout + "\n" + out.Stderr)
	if !ok {
		return []schema.Check{updatesCheck(schema.Unknown,
			"Hearth could not check for updates: Software Update gave no list (is the Mac online?).")}
	}
	return []schema.Check{updatesVerdict(p, time.Now(), macUpdatesHowTo)}
}
