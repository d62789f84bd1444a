package health

import (
	"fmt"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
)

// The areas of schema.Check, as the tray groups them.
const (
	areaStorage  = "storage"
	areaNetwork  = "network"
	areaSecurity = "security"
	areaUpdates  = "updates"
)

// The IDs and titles of the checks that are one per PC.
const (
	idFirewall  = "firewall"
	idAntivirus = "antivirus"
	idUpdates   = "updates"
	idReboot    = "reboot"
	idFileVault = "filevault"

	titleFirewall  = "Firewall"
	titleAntivirus = "Antivirus"
	titleUpdates   = "Updates"
	titleReboot    = "Restart"
	titleFileVault = "Disk encryption"
)

func firewallCheck(state, sentence string) schema.Check {
	return schema.Check{ID: idFirewall, Area: areaNetwork, State: state, Title: titleFirewall, Sentence: sentence}
}

func antivirusCheck(state, sentence string) schema.Check {
	return schema.Check{ID: idAntivirus, Area: areaSecurity, State: state, Title: titleAntivirus, Sentence: sentence}
}

func updatesCheck(state, sentence string) schema.Check {
	return schema.Check{ID: idUpdates, Area: areaUpdates, State: state, Title: titleUpdates, Sentence: sentence}
}

func rebootCheck(state, sentence string) schema.Check {
	return schema.Check{ID: idReboot, Area: areaUpdates, State: state, Title: titleReboot, Sentence: sentence}
}

func fileVaultCheck(state, sentence string) schema.Check {
	return schema.Check{ID: idFileVault, Area: areaSecurity, State: state, Title: titleFileVault, Sentence: sentence}
}

// Named probes for the one-per-PC checks, so a hung one is still reported in its place.
func firewallProbe(f ProbeFunc) Probe  { return Named(idFirewall, areaNetwork, titleFirewall, f) }
func antivirusProbe(f ProbeFunc) Probe { return Named(idAntivirus, areaSecurity, titleAntivirus, f) }
func updatesProbe(f ProbeFunc) Probe   { return Named(idUpdates, areaUpdates, titleUpdates, f) }
func rebootProbe(f ProbeFunc) Probe    { return Named(idReboot, areaUpdates, titleReboot, f) }
func fileVaultProbe(f ProbeFunc) Probe { return Named(idFileVault, areaSecurity, titleFileVault, f) }
func disksProbe(f ProbeFunc) Probe     { return Named("disk", areaStorage, "Disks", f) }

// couldNot is the sentence of an unknown check: what could not be checked, and why, in a
// line the family can pass on to whoever helps them.
func couldNot(what string, err error) string {
	s := "Hearth could not check " + what
	if err != nil {
		s += " (" + err.Error() + ")"
	}
	return s + "."
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// isAre picks the verb for n things.
func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// listNames joins names as a sentence does: "a", "a and b", "a, b and c".
func listNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}
