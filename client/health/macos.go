package health

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
)

// The parsers and verdicts of the macOS probes; they live here, built everywhere, so they
// are tested on any machine.

var globalStateRE = regexp.MustCompile(`\(State = (\d+)\)`)

// parseGlobalState reads `socketfilterfw --getglobalstate`: "Firewall is enabled. (State = 1)",
// "Firewall is disabled. (State = 0)", or State = 2 when it blocks all incoming connections.
func parseGlobalState(out string) (state int, ok bool) {
	if m := globalStateRE.FindStringSubmatch(out); m != nil {
		n, err := strconv.Atoi(m[1])
		return n, err == nil
	}
	switch {
	case strings.Contains(out, "Firewall is enabled."):
		return 1, true
	case strings.Contains(out, "Firewall is disabled."):
		return 0, true
	}
	return 0, false
}

func macFirewallVerdict(out string) schema.Check {
	state, ok := parseGlobalState(out)
	switch {
	case !ok && strings.Contains(out, "managed Mac"):
		return firewallCheck(schema.Unknown, "Hearth could not read the firewall setting: your organization manages this Mac's firewall.")
	case !ok:
		return firewallCheck(schema.Unknown, couldNot("the firewall", nil))
	case state == 0:
		return firewallCheck(schema.Warning, "The firewall is off. Turn it on in System Settings > Network > Firewall.")
	case state == 2:
		return firewallCheck(schema.Good, "The firewall is on and blocks all incoming connections.")
	default:
		return firewallCheck(schema.Good, "The firewall is on.")
	}
}

// fileVault is what `fdesetup status` says.
type fileVault struct {
	On, Off                bool
	Encrypting, Decrypting bool
	Deferred               bool   // turns on at the user's next logout
	Progress               string // "42.5", "Pending" or ""
}

var progressRE = regexp.MustCompile(`(?i)(?:en|de)cryption in progress: (?:percent completed = )?([0-9.]+|pending)`)

func parseFdesetup(out string) (fileVault, bool) {
	fv := fileVault{
		On:         strings.Contains(out, "FileVault is On."),
		Off:        strings.Contains(out, "FileVault is Off."),
		Encrypting: strings.Contains(out, "Encryption in progress"),
		Decrypting: strings.Contains(out, "Decryption in progress"),
		Deferred:   strings.Contains(out, "Deferred enablement"),
	}
	if m := progressRE.FindStringSubmatch(out); m != nil {
		fv.Progress = m[1]
	}
	return fv, fv.On || fv.Off || fv.Encrypting || fv.Decrypting
}

const fileVaultSettings = "System Settings > Privacy & Security > FileVault"

func fileVaultVerdict(out string) schema.Check {
	fv, ok := parseFdesetup(out)
	switch {
	case !ok:
		return fileVaultCheck(schema.Unknown, couldNot("whether FileVault is on", nil))
	case fv.Decrypting:
		return fileVaultCheck(schema.Warning, "FileVault is being turned off"+progress(fv.Progress)+
			", so this Mac's files will no longer be encrypted. If that was not meant, turn it back on in "+fileVaultSettings+".")
	case fv.Encrypting:
		return fileVaultCheck(schema.Good, "FileVault is turning on"+progress(fv.Progress)+
			". The files on this Mac will be encrypted when it is done.")
	case fv.On:
		return fileVaultCheck(schema.Good, "FileVault is on: the files on this Mac are encrypted.")
	case fv.Deferred:
		return fileVaultCheck(schema.Warning, "FileVault will turn on the next time you log out. Log out and back in to finish.")
	default:
		return fileVaultCheck(schema.Warning, "FileVault is off, so anyone who takes this Mac could read its files. Turn it on in "+
			fileVaultSettings+".")
	}
}

func progress(p string) string {
	switch {
	case p == "":
		return ""
	case strings.EqualFold(p, "pending"):
		return " (it continues when the Mac is plugged in)"
	default:
		return " (" + p + "% done)"
	}
}

// parseSoftwareUpdate reads `softwareupdate --list`. Since macOS 10.15 each update is a
// line "* Label: macOS Tahoe 26.5.2-25F84" ("-" instead of "*" when not recommended) and
// an indented "Title: macOS Tahoe 26.5.2, Version: 26.5.2, …, Action: restart,"; before,
// "* <label>" and a description ending "[recommended] [restart]". ok is false when the
// output is neither a list nor "No new software available." (no network, another
// language): that is not "up to date".
func parseSoftwareUpdate(out string) (p pendingUpdates, ok bool) {
	switch {
	case strings.Contains(out, "No new software available"):
		return pendingUpdates{}, true
	case !strings.Contains(out, "Software Update found the following new or updated software"):
		return pendingUpdates{}, false
	}
	security := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "- ") {
			if security {
				p.Security++
			}
			p.Count++
			security = false
		} else if p.Count == 0 {
			continue
		}
		if strings.Contains(line, "Action: restart") || strings.Contains(line, "[restart]") {
			p.Restart = true
		}
		if strings.Contains(line, "Security") {
			security = true
		}
	}
	if security {
		p.Security++
	}
	return p, true
}

const macUpdatesHowTo = "Install them in System Settings > General > Software Update."
