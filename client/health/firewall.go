package health

import (
	"bufio"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
)

// unitState is what `systemctl show --property=Id,LoadState,ActiveState` says of a unit.
type unitState struct {
	Load   string // "loaded", "not-found", "masked"
	Active string // "active", "inactive", "failed"
}

// parseSystemctlShow reads the blocks of `systemctl show` for several units (one
// "Key=value" per line, a blank line between units), keyed by unit name.
func parseSystemctlShow(out string) map[string]unitState {
	units := map[string]unitState{}
	var id string
	var u unitState
	flush := func() {
		if id != "" {
			units[id] = u
		}
		id, u = "", unitState{}
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		switch {
		case !ok:
			flush()
		case key == "Id":
			id = value
		case key == "LoadState":
			u.Load = value
		case key == "ActiveState":
			u.Active = value
		}
	}
	flush()
	return units
}

// parseUFWConf reads ENABLED from /etc/ufw/ufw.conf: whether ufw starts at boot, which
// is what `ufw enable` sets. ok is false when the file does not say.
func parseUFWConf(conf string) (enabled, ok bool) {
	sc := bufio.NewScanner(strings.NewReader(conf))
	for sc.Scan() {
		key, value, found := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if found && strings.TrimSpace(key) == "ENABLED" {
			v := strings.ToLower(strings.Trim(strings.TrimSpace(value), `"'`))
			return v == "yes", true
		}
	}
	return false, false
}

// linuxFirewall is what the Linux firewall probe found.
type linuxFirewall struct {
	// Systemd is true when systemctl answered, so a unit it does not know is not installed.
	Systemd bool
	Units   map[string]unitState // by unit name, e.g. "firewalld.service"
	// UFWConf is /etc/ufw/ufw.conf; UFW is false when there is none (ufw not installed).
	UFW     bool
	UFWConf string
	// FirewallCmd is the answer of `firewall-cmd --state` ("running", "not running"),
	// asked only when systemd could not be; "" when not asked or not installed.
	FirewallCmd string
}

// Advice for turning each firewall on.
const (
	ufwEnable       = "Turn it on with 'sudo ufw enable'."
	firewalldEnable = "Turn it on with 'sudo systemctl enable --now firewalld'."
)

// check decides: any firewall on is good; one installed but off is a warning that says how
// to turn it on; none at all is a warning only when systemd could tell us so.
func (fw linuxFirewall) check() schema.Check {
	var on []string
	offAdvice := ""
	if fw.UFW {
		enabled, _ := parseUFWConf(fw.UFWConf)
		if enabled && fw.Units["ufw.service"].Active != "failed" {
			on = append(on, "ufw")
		} else {
			offAdvice = "The firewall (ufw) is off. " + ufwEnable
		}
	}
	switch firewalld := fw.Units["firewalld.service"]; {
	case firewalld.Active == "active" || fw.FirewallCmd == "running":
		on = append(on, "firewalld")
	case (firewalld.Load == "loaded" || fw.FirewallCmd == "not running") && offAdvice == "":
		offAdvice = "The firewall (firewalld) is off. " + firewalldEnable
	}
	if fw.Units["nftables.service"].Active == "active" {
		on = append(on, "nftables")
	}
	switch {
	case len(on) > 0:
		return firewallCheck(schema.Good, "The firewall ("+listNames(on)+") is on.")
	case offAdvice != "":
		return firewallCheck(schema.Warning, offAdvice)
	case fw.Systemd:
		return firewallCheck(schema.Warning, "No firewall is turned on. Install one and turn it on: "+
			"for example ufw (then run 'sudo ufw enable') or firewalld.")
	default:
		return firewallCheck(schema.Unknown, "Hearth could not tell whether a firewall is on: "+
			"it asks systemd about ufw, firewalld and nftables, and systemd is not running here.")
	}
}
