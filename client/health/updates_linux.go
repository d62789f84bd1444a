package health

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// howTo is what to do about waiting updates, in words: every desktop has an updater.
const howTo = "Install them with your software updater."

// linuxUpdatesCheck asks apt (Debian, Ubuntu, Mint) or dnf (Fedora) what is waiting. Both
// read the lists the system's own updater last fetched and need neither root nor network.
func linuxUpdatesCheck(ctx context.Context) []schema.Check {
	var (
		p   pendingUpdates
		err error
	)
	switch {
	case haveTool("apt"):
		p, err = aptUpdates(ctx)
	case haveTool("dnf"):
		p, err = dnfUpdates(ctx)
	default:
		return []schema.Check{updatesCheck(schema.Unknown, "Hearth could not check for updates: "+
			"it knows apt (Debian, Ubuntu) and dnf (Fedora), and this computer has neither.")}
	}
	if err != nil {
		return []schema.Check{updatesCheck(schema.Unknown, couldNot("for updates", err))}
	}
	return []schema.Check{updatesVerdict(p, time.Now(), howTo)}
}

func aptUpdates(ctx context.Context) (pendingUpdates, error) {
	out, err := runTool(ctx, "apt", "list", "--upgradable")
	if err != nil {
		return pendingUpdates{}, err
	}
	if out.Code != 0 {
		return pendingUpdates{}, fmt.Errorf("apt list: exit status %d: %s", out.Code, firstLine(out.Stderr))
	}
	p := parseAptUpgradable(out.Stdout)
	p.Checked = aptListsTime()
	return p, nil
}

// aptListsTime is when apt last fetched package lists: the newest Release file (apt dates
// it as the server does, and security suites publish several a day). Zero when none.
func aptListsTime() (newest time.Time) {
	files, _ := filepath.Glob("/var/lib/apt/lists/*Release")
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	return newest
}

// dnfUpdates reads dnf's system cache only (-C): a user's dnf would otherwise fetch its own
// copy of the metadata. Fedora's dnf-makecache timer keeps the system cache fresh.
func dnfUpdates(ctx context.Context) (pendingUpdates, error) {
	count, err := dnfCheckUpdate(ctx)
	if err != nil {
		return pendingUpdates{}, err
	}
	p := pendingUpdates{Count: count}
	if count > 0 {
		// The security list is extra: without it the updates still count.
		p.Security, _ = dnfCheckUpdate(ctx, "--security")
	}
	return p, nil
}

func dnfCheckUpdate(ctx context.Context, extra ...string) (int, error) {
	out, err := runTool(ctx, "dnf", append([]string{"-q", "-C", "check-update"}, extra...)...)
	switch {
	case err != nil:
		return 0, err
	case out.Code == 0:
		return 0, nil
	case out.Code == 100: // dnf's way of saying "updates available"
		return parseDNFCheckUpdate(out.Stdout), nil
	default:
		return 0, fmt.Errorf("dnf check-update: exit status %d: %s", out.Code, firstLine(out.Stderr))
	}
}

// linuxRebootCheck reads Debian and Ubuntu's /var/run/reboot-required, written by package
// scripts that need a restart, or asks Fedora's needs-restarting. Elsewhere there is no
// reliable way to know, and it reports nothing.
func linuxRebootCheck(ctx context.Context) []schema.Check {
	if _, err := os.Stat("/var/run/reboot-required"); err == nil {
		pkgs, _ := os.ReadFile("/var/run/reboot-required.pkgs")
		return []schema.Check{restartNeeded(strings.Fields(string(pkgs)))}
	}
	if _, err := os.Stat("/etc/debian_version"); err == nil {
		return []schema.Check{rebootCheck(schema.Good, "No restart is needed.")}
	}
	for _, cmd := range [][]string{{"needs-restarting", "-r"}, {"dnf", "-q", "-C", "needs-restarting", "-r"}} {
		out, err := runTool(ctx, cmd[0], cmd[1:]...)
		if errors.Is(err, errNoTool) {
			continue
		}
		if err != nil {
			return []schema.Check{rebootCheck(schema.Unknown, couldNot("whether a restart is needed", err))}
		}
		needed, pkgs, ok := parseNeedsRestarting(out.Stdout)
		switch {
		case !ok:
			continue
		case needed:
			return []schema.Check{restartNeeded(pkgs)}
		default:
			return []schema.Check{rebootCheck(schema.Good, "No restart is needed.")}
		}
	}
	return nil
}

// haveTool says whether name is on the PATH (or, with a slash, exists).
func haveTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// firstLine is the first line of a tool's message, enough for a sentence.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
