package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Default returns the probes for Windows: free space on each fixed drive, and what
// Windows Security Center and Windows Update say of the firewall, the antivirus, pending
// updates and a pending restart. None needs administrator rights.
func Default() []Probe {
	return []Probe{
		disksProbe(func(ctx context.Context) []schema.Check {
			disks, err := windowsDisks(ctx)
			return diskChecks(disks, err)
		}),
		firewallProbe(func(ctx context.Context) []schema.Check {
			// A failed query leaves no rows, and Security Center's health decides alone.
			var rows []fwProduct
			_ = querySecurityCenter("SELECT displayName, productState FROM FirewallProduct", &rows)
			return []schema.Check{windowsFirewallVerdict(rows, securityProviderHealth(wscProviderFirewall))}
		}),
		antivirusProbe(func(ctx context.Context) []schema.Check {
			var rows []avProduct // as above
			_ = querySecurityCenter("SELECT displayName, productState FROM AntiVirusProduct", &rows)
			return []schema.Check{windowsAntivirusVerdict(rows, securityProviderHealth(wscProviderAntivirus))}
		}),
		updatesProbe(func(ctx context.Context) []schema.Check {
			p, err := searchWindowsUpdates(ctx)
			return []schema.Check{windowsUpdatesVerdict(p, err, securityProviderHealth(wscProviderAutoUpdate), time.Now())}
		}),
		rebootProbe(func(context.Context) []schema.Check {
			return []schema.Check{windowsRebootCheck()}
		}),
	}
}

// windowsDisks reads every fixed drive (C:, D:, …); USB sticks, network and optical
// drives are not this PC's disks.
func windowsDisks(ctx context.Context) ([]diskUsage, error) {
	mask, err := windows.GetLogicalDrives()
	if err != nil {
		return nil, fmt.Errorf("list drives: %w", err)
	}
	var disks []diskUsage
	var errs []error
	for i := range 26 {
		if mask&(1<<i) == 0 || ctx.Err() != nil {
			continue
		}
		letter := string(rune('A'+i)) + ":"
		root, _ := windows.UTF16PtrFromString(letter + `\`)
		if windows.GetDriveType(root) != windows.DRIVE_FIXED {
			continue
		}
		var free, total, totalFree uint64
		if err := windows.GetDiskFreeSpaceEx(root, &free, &total, &totalFree); err != nil {
			errs = append(errs, fmt.Errorf("free space of %s: %w", letter, err))
			continue
		}
		disks = append(disks, diskUsage{Mount: letter, Free: free, Total: total})
	}
	return disks, errors.Join(errs...)
}

// windowsRebootCheck looks for the keys where Windows Update and servicing note that they
// wait for a restart; the keys exist only while they do.
func windowsRebootCheck() schema.Check {
	for _, path := range []string{
		`SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired`,
		`SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending`,
	} {
		k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, registry.QUERY_VALUE)
		switch {
		case err == nil:
			k.Close()
			return rebootCheck(schema.Warning, "Windows needs a restart to finish installing updates. Restart the PC when you can.")
		case !errors.Is(err, registry.ErrNotExist):
			return rebootCheck(schema.Unknown, couldNot("whether a restart is needed", err))
		}
	}
	return rebootCheck(schema.Good, "No restart is needed.")
}
